// Integration: the built bundle against a real cognito-local — hosted-UI login by form POST,
// code exchange with PKCE, requests with the cookies, refresh after expiry, sign-out. The
// config has no baked-in JWKS: the first tokens (at the callback) name a kid the empty key
// set lacks, so the bundle fetches <issuer>/.well-known/jwks.json from cognito-local once.
// Starts cognito-local (node_modules, installed by tools/npm.sh) in a fresh temp dir on a free
// loopback port, and stops it afterwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { browserCookies, cookieHeader, edgeDir, load, unpack, viewerRequest } from './helpers.mjs';

const bin = join(edgeDir, '..', 'node_modules', '.bin', 'cognito-local');
const SHOP = '127.0.0.1:3000';
// cognito-local's default pool signs in by email and stores a UUID as the user name, as an
// email-alias pool in AWS does: the cookie names carry that UUID.
const EMAIL = 'alice@example.com';
const PASSWORD = 'Passw0rd!local';
const TOKEN_SECONDS = 4;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let child;
let base;
let log = '';

async function api(target, body) {
  const res = await fetch(`${base}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${target} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : {};
}

let edge;
let clientId;
let prefix;

before(async () => {
  assert.ok(existsSync(bin), `${bin} missing: run tools/npm.sh`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const cwd = mkdtempSync(join(tmpdir(), 'cognito-local-'));
  child = spawn(process.execPath, [realpathSync(bin)], {
    cwd,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/health`);
      break;
    } catch {
      if (i > 150 || child.exitCode !== null) throw new Error(`cognito-local did not start:\n${log}`);
      await sleep(100);
    }
  }
  const pool = (await api('CreateUserPool', { PoolName: 'edge-test' })).UserPool;
  const client = (
    await api('CreateUserPoolClient', {
      UserPoolId: pool.Id,
      ClientName: 'web',
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: [`http://${SHOP}/auth/callback`],
      IdTokenValidity: TOKEN_SECONDS,
      AccessTokenValidity: TOKEN_SECONDS,
      TokenValidityUnits: { IdToken: 'seconds', AccessToken: 'seconds', RefreshToken: 'days' },
    })
  ).UserPoolClient;
  clientId = client.ClientId;
  prefix = `CognitoIdentityServiceProvider.${clientId}`;
  await api('AdminCreateUser', {
    UserPoolId: pool.Id,
    Username: EMAIL,
    TemporaryPassword: PASSWORD,
    MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: EMAIL }, { Name: 'email_verified', Value: 'true' }],
  });
  await api('AdminSetUserPassword', { UserPoolId: pool.Id, Username: EMAIL, Password: PASSWORD, Permanent: true });
  await api('CreateGroup', { UserPoolId: pool.Id, GroupName: 'admin' });
  await api('AdminAddUserToGroup', { UserPoolId: pool.Id, Username: EMAIL, GroupName: 'admin' });
  const config = {
    client_id: clientId,
    issuer: `${base}/${pool.Id}`,
    authorize_url: `${base}/oauth2/authorize`,
    token_url: `${base}/oauth2/token`,
    revoke_url: `${base}/oauth2/revoke`,
    base_url: `http://${SHOP}`,
    state_secret: 'cognito-local-test-secret-0123456789abcdef',
    cookie_secure: false,
    leeway: 0,
    rules: [
      { path: '/admin/*', access: 'group:admin' },
      { path: '/account/*', access: 'signed_in' },
      { path: '/api/*', access: 'signed_in' },
    ],
  };
  edge = await load(unpack(config));
});

after(() => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
});

const jar = new Map();
const USER_COOKIE = () => `${prefix}.${jar.get(`${prefix}.LastAuthUser`).value}`;
const request = (uri, querystring = '') =>
  edge.handler(viewerRequest({ uri, querystring, host: SHOP, cookie: cookieHeader(jar, uri) }));

test('hosted-UI login by form POST, code exchange with PKCE, cookies set', async () => {
  const first = await request('/account/orders', 'page=2');
  assert.equal(first.status, '302');
  browserCookies(jar, first);
  const authorize = first.headers.location[0].value;
  assert.ok(authorize.startsWith(`${base}/oauth2/authorize?`));
  const page = await (await fetch(authorize)).text();
  const form = Object.fromEntries([...page.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  assert.equal(form.code_challenge_method, 'S256');
  const posted = await fetch(`${base}/oauth2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form, username: EMAIL, password: PASSWORD }).toString(),
    redirect: 'manual',
  });
  assert.equal(posted.status, 302, await posted.text());
  const back = new URL(posted.headers.get('location'));
  assert.equal(`${back.host}${back.pathname}`, `${SHOP}/auth/callback`);
  const logged = [];
  const log = console.log;
  console.log = (...args) => logged.push(args.join(' '));
  let done;
  try {
    done = await request(back.pathname, back.search.slice(1));
  } finally {
    console.log = log;
  }
  assert.ok(logged.some((l) => /JWKS fetched for kid "CognitoLocal": 1 keys/.test(l)), logged.join('\n'));
  assert.equal(done.status, '302', done.body);
  assert.equal(done.headers.location[0].value, '/account/orders?page=2');
  browserCookies(jar, done);
  const user = jar.get(`${prefix}.LastAuthUser`).value;
  assert.match(user, /^[0-9a-f-]{36}$/, 'email-alias pools store a UUID user name');
  for (const field of ['idToken', 'accessToken', 'refreshToken']) assert.ok(jar.has(`${prefix}.${user}.${field}`), field);
  assert.ok(done.headers['set-cookie'].every((h) => !h.value.includes('Secure')), 'cookie_secure: false');
});

test('requests with the cookies pass; the API gets the bearer token; admin group honoured', async () => {
  const redirect = await request('/account/orders', 'page=2');
  assert.equal(redirect.status, '301');
  assert.equal(redirect.headers.location[0].value, '/account/orders/?page=2');
  const page = await request('/account/orders/', 'page=2');
  assert.equal(page.uri, '/account/orders/index.html');
  assert.equal(page.headers.cookie, undefined, 'auth cookies stripped');
  const apiCall = await request('/api/orders');
  assert.equal(apiCall.headers.authorization[0].value, `Bearer ${jar.get(`${USER_COOKIE()}.accessToken`).value}`);
  const admin = await request('/admin/');
  assert.equal(admin.uri, '/admin/index.html');
});

test('after expiry the tokens are refreshed and the request replayed', async () => {
  const access = jar.get(`${USER_COOKIE()}.accessToken`).value;
  const exp = JSON.parse(Buffer.from(access.split('.')[1], 'base64url').toString()).exp;
  await sleep(Math.max(0, exp * 1000 - Date.now()) + 1200);
  const refreshed = await request('/account/orders/', 'page=2');
  assert.equal(refreshed.status, '307', refreshed.body);
  assert.equal(refreshed.headers.location[0].value, '/account/orders/?page=2');
  const oldRefresh = jar.get(`${USER_COOKIE()}.refreshToken`).value;
  browserCookies(jar, refreshed);
  assert.notEqual(jar.get(`${USER_COOKIE()}.accessToken`).value, access);
  assert.equal(jar.get(`${USER_COOKIE()}.refreshToken`).value, oldRefresh, 'cognito-local sends no new refresh token');
  const replay = await request('/account/orders/', 'page=2');
  assert.equal(replay.uri, '/account/orders/index.html');
});

test('a refresh token cognito-local does not know (invalid_grant) clears cookies and logs in', async () => {
  const bogus = new Map(jar);
  const access = bogus.get(`${USER_COOKIE()}.accessToken`).value;
  const exp = JSON.parse(Buffer.from(access.split('.')[1], 'base64url').toString()).exp;
  await sleep(Math.max(0, exp * 1000 - Date.now()) + 1200);
  bogus.set(`${USER_COOKIE()}.refreshToken`, { value: 'not-a-refresh-token', path: '/' });
  const out = await edge.handler(viewerRequest({ uri: '/account/', host: SHOP, cookie: cookieHeader(bogus, '/account/') }));
  assert.equal(out.status, '302');
  assert.ok(out.headers.location[0].value.startsWith(`${base}/oauth2/authorize?`));
  assert.equal(out.headers['set-cookie'].filter((h) => h.value.includes('Max-Age=0')).length, 5);
});

test('sign-out survives the missing /oauth2/revoke, clears the cookies, and ends the session', async () => {
  const out = await edge.handler(viewerRequest({
    uri: '/auth/signout', host: SHOP, method: 'POST', cookie: cookieHeader(jar, '/auth/signout'), extra: { origin: `http://${SHOP}` },
  }));
  assert.equal(out.status, '303');
  assert.equal(out.headers.location[0].value, '/');
  browserCookies(jar, out);
  assert.equal([...jar.keys()].filter((k) => k.startsWith(prefix)).length, 0);
  const after = await request('/account/');
  assert.equal(after.status, '302');
  assert.ok(after.headers.location[0].value.startsWith(`${base}/oauth2/authorize?`));
});
