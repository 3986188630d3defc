// The built bundle as shipped: contents, size, glibc floor, and the baked-in example config
// answering AWS's documented example events.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { edgeDir, load, unpack, viewerRequest, zipPath } from './helpers.mjs';

const dir = unpack();
const edge = await load(dir);
const fixture = (name) => JSON.parse(readFileSync(join(edgeDir, 'tests', 'fixtures', name), 'utf8'));

test('the zip holds exactly index.mjs, edge.node and config.json, under 1 MB', () => {
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'edge.node', 'index.mjs']);
  assert.ok(statSync(zipPath).size < 1024 * 1024, 'Lambda@Edge viewer triggers allow 1 MB zipped');
});

test('the addon needs glibc 2.26 or older', () => {
  const text = readFileSync(join(dir, 'edge.node')).toString('latin1');
  const versions = [...text.matchAll(/GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [+m[1], +m[2], +(m[3] ?? 0)]);
  assert.ok(versions.length > 0, 'no GLIBC_ version references found');
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const highest = versions.at(-1);
  assert.ok(highest[0] === 2 && highest[1] <= 26, `highest GLIBC_ symbol is ${highest.join('.')}`);
});

test('index.mjs imports only node: built-ins', () => {
  const src = readFileSync(join(dir, 'index.mjs'), 'utf8');
  const imports = [...src.matchAll(/from '([^']+)'|require\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]);
  for (const spec of imports) assert.ok(spec.startsWith('node:'), spec);
  assert.match(src, /process\.dlopen\(addonModule, fileURLToPath\(new URL\('\.\/edge\.node'/);
});

test("AWS's example viewer request for / is forwarded as /index.html, nothing else changed", async () => {
  const event = fixture('viewer-request.json');
  const before = structuredClone(event.Records[0].cf.request);
  const out = await edge.handler(event);
  assert.deepEqual(out, { ...before, uri: '/index.html' });
});

test("AWS's example origin response is refused: only viewer-request is associated", async () => {
  // Security headers come from ResponseHeadersPolicies; an origin-response association would
  // be a misconfigured distribution, and the handler says so instead of passing it through.
  await assert.rejects(edge.handler(fixture('origin-response.json')), /unexpected origin-response event/);
});

test('a protected page redirects to the configured hosted UI with PKCE', async () => {
  const out = await edge.handler(viewerRequest({ uri: '/account/', querystring: 'a=1' }));
  assert.equal(out.status, '302');
  const location = new URL(out.headers.location[0].value);
  assert.equal(location.origin + location.pathname, 'https://shop-example.auth.us-east-1.amazoncognito.com/oauth2/authorize');
  assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(location.searchParams.get('redirect_uri'), 'https://shop.example/auth/callback');
  assert.match(out.headers['set-cookie'][0].value, /^EdgeAuthFlow\.[\w-]+=[\w-]{43}(?=.*; Path=\/auth\/callback(;|$))(?=.*; HttpOnly(;|$))(?=.*; Secure(;|$))(?=.*; SameSite=Lax(;|$))/);
});
