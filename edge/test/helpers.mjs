// Shared helpers for the bundle tests: unpack the built zip, make keys and tokens, build
// CloudFront events, run a tiny fake token endpoint.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const edgeDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const zipPath = process.env.EDGE_ZIP ?? join(edgeDir, 'dist', 'edge.zip');

/** Unpacks the built bundle into a fresh directory, optionally replacing its config.json. */
export function unpack(config) {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bundle-'));
  execFileSync('python3', ['-m', 'zipfile', '-e', zipPath, dir]);
  if (config) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/** Imports the bundle's index.mjs (one bundle per test file: the addon's state is global). */
export function load(dir) {
  return import(pathToFileURL(join(dir, 'index.mjs')).href);
}

const b64url = (x) => Buffer.from(x).toString('base64url');

/** An RSA key pair and its JWK, generated for this test run. */
export function makeKey(kid = 'test-kid') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, jwk, kid };
}

export function signJwt(key, claims, header = { alg: 'RS256', kid: key.kid, typ: 'JWT' }) {
  const msg = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${msg}.${rsaSign('RSA-SHA256', Buffer.from(msg), key.privateKey).toString('base64url')}`;
}

export const CLIENT = 'nodeclient1';
export const ISS = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test';

export function tokens(key, user, groups = [], ttl = 3600) {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttl;
  const base = { sub: `sub-${user}`, iss: ISS, 'cognito:groups': groups, iat: now - 5, exp };
  return {
    id_token: signJwt(key, { ...base, aud: CLIENT, token_use: 'id', 'cognito:username': user }),
    access_token: signJwt(key, { ...base, client_id: CLIENT, token_use: 'access', username: user }),
  };
}

export function sessionCookie(key, user, groups = [], ttl = 3600, refresh) {
  const t = tokens(key, user, groups, ttl);
  const p = `CognitoIdentityServiceProvider.${CLIENT}`;
  let c = `theme=dark; ${p}.LastAuthUser=${user}; ${p}.${user}.idToken=${t.id_token}; ${p}.${user}.accessToken=${t.access_token}`;
  if (refresh) c += `; ${p}.${user}.refreshToken=${refresh}`;
  return c;
}

export function testConfig(key, endpoint, extra = {}) {
  return {
    client_id: CLIENT,
    issuer: ISS,
    authorize_url: `${endpoint}/oauth2/authorize`,
    token_url: `${endpoint}/oauth2/token`,
    revoke_url: `${endpoint}/oauth2/revoke`,
    state_secret: 'node-test-secret-0123456789abcdef0123456789',
    cookie_secure: true,
    rules: [
      { path: '/api/catalogue/*', access: 'public' },
      { path: '/admin/*', access: 'group:admin' },
      { path: '/api/admin/*', access: 'group:admin' },
      { path: '/account/*', access: 'signed_in' },
      { path: '/api/*', access: 'signed_in' },
    ],
    jwks: { keys: [key.jwk] },
    ...extra,
  };
}

/** A CloudFront viewer-request event (the shape of AWS's documented example). */
export function viewerRequest({ uri = '/', querystring = '', cookie, host = 'shop.example', method = 'GET', extra = {} } = {}) {
  const headers = {
    host: [{ key: 'Host', value: host }],
    'user-agent': [{ key: 'User-Agent', value: 'node-test' }],
  };
  for (const [name, value] of Object.entries(extra)) headers[name] = [{ key: name, value }];
  if (cookie !== undefined) headers.cookie = [{ key: 'Cookie', value: cookie }];
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'viewer-request',
            requestId: 'test',
          },
          request: { clientIp: '203.0.113.178', headers, method, querystring, uri },
        },
      },
    ],
  };
}

/** `name=value` of each Set-Cookie of a generated response. */
export function setCookies(response) {
  return (response.headers['set-cookie'] ?? []).map((h) => h.value.split(';')[0]);
}

/** Cookie header a browser would send after these Set-Cookies (Path=/ ones, not deleted). */
export function browserCookies(jar, response) {
  for (const h of response.headers['set-cookie'] ?? []) {
    const [pair, ...attrs] = h.value.split(';').map((s) => s.trim());
    const name = pair.slice(0, pair.indexOf('='));
    if (attrs.includes('Max-Age=0')) jar.delete(name);
    else jar.set(name, { value: pair.slice(pair.indexOf('=') + 1), path: attrs.find((a) => a.startsWith('Path='))?.slice(5) });
  }
  return jar;
}

export function cookieHeader(jar, path) {
  return [...jar]
    .filter(([, c]) => !c.path || path.startsWith(c.path))
    .map(([n, c]) => `${n}=${c.value}`)
    .join('; ');
}

/** A fake OAuth token/revoke endpoint on 127.0.0.1 answering with `reply(pathname, form)`. */
export async function fakeEndpoint(reply) {
  const seen = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const url = new URL(req.url, 'http://x');
      seen.push({ path: url.pathname, form, headers: req.headers });
      const [status, json] = reply(url.pathname, form);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}
