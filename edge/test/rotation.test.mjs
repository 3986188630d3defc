// Key rotation through the bundle: a token naming a kid the baked-in JWKS lacks makes
// index.mjs fetch the JWKS once (requests arriving meanwhile wait for it), replace the key set
// and retry; another unknown kid within the minute is refused without a fetch.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fakeEndpoint, load, makeKey, sessionCookie, testConfig, unpack, viewerRequest } from './helpers.mjs';

const key = makeKey('old-kid');
const rotated = makeKey('new-kid');
const rogue = makeKey('rogue-kid');
const endpoint = await fakeEndpoint((path) => {
  if (path === '/jwks.json') return [200, { keys: [key.jwk, rotated.jwk] }];
  return [400, { error: 'invalid_grant' }];
});
after(() => endpoint.close());
// The baked-in JWKS has only the old key.
const edge = await load(unpack(testConfig(key, endpoint.url, { jwks_url: `${endpoint.url}/jwks.json` })));
const jwksFetches = () => endpoint.seen.filter((s) => s.path === '/jwks.json').length;

test('an unknown kid makes one JWKS fetch; requests arriving meanwhile wait for it', async () => {
  const users = ['ann', 'bob', 'cid'];
  const outs = await Promise.all(
    users.map((u) => edge.handler(viewerRequest({ uri: '/account/', cookie: sessionCookie(rotated, u, [], 3600) }))),
  );
  for (const out of outs) {
    assert.equal(out.status, undefined, JSON.stringify(out).slice(0, 200));
    assert.equal(out.uri, '/account/index.html');
    assert.deepEqual(out.headers.cookie, [{ key: 'Cookie', value: 'theme=dark' }]);
  }
  assert.equal(jwksFetches(), 1);
  assert.equal(endpoint.seen.find((s) => s.path === '/jwks.json').headers.authorization, undefined);
});

test('the API gets the bearer token of a new-kid session; old-key sessions still pass', async () => {
  const cookie = sessionCookie(rotated, 'dan', [], 3600);
  const api = await edge.handler(viewerRequest({ uri: '/api/orders', cookie }));
  assert.match(api.headers.authorization[0].value, /^Bearer ey/);
  const old = await edge.handler(viewerRequest({ uri: '/account/', cookie: sessionCookie(key, 'eve', [], 3600) }));
  assert.equal(old.uri, '/account/index.html');
  assert.equal(jwksFetches(), 1);
});

test('another unknown kid within the minute: no fetch, treated as signed out', async () => {
  const cookie = sessionCookie(rogue, 'mallory', [], 3600);
  const page = await edge.handler(viewerRequest({ uri: '/account/', cookie }));
  assert.equal(page.status, '302');
  assert.match(page.headers.location[0].value, /\/oauth2\/authorize\?/);
  const api = await edge.handler(viewerRequest({ uri: '/api/orders', cookie }));
  assert.equal(api.status, '401');
  assert.equal(jwksFetches(), 1);
});
