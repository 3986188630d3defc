// The bundle with a test config (keys generated here) and a fake token endpoint: sessions,
// groups, the API, login through the callback, refresh and sign-out, via handler(event).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  CLIENT, browserCookies, cookieHeader, fakeEndpoint, load, makeKey, sessionCookie, setCookies,
  testConfig, tokens, unpack, viewerRequest,
} from './helpers.mjs';

const key = makeKey();
let mode = 'ok';
const endpoint = await fakeEndpoint((path, form) => {
  if (path === '/oauth2/revoke') return [404, { message: 'no revoke here' }];
  if (mode === 'invalid') return [400, { error: 'invalid_grant' }];
  const t = tokens(key, 'alice', ['admin']);
  if (form.grant_type === 'authorization_code') t.refresh_token = 'refresh-1';
  return [200, { ...t, token_type: 'Bearer', expires_in: 3600 }];
});
after(() => endpoint.close());
const edge = await load(unpack(testConfig(key, endpoint.url)));
const P = `CognitoIdentityServiceProvider.${CLIENT}`;

test('signed-in pages forward with the auth cookies stripped', async () => {
  const cookie = sessionCookie(key, 'bob', [], 3600, 'r');
  const out = await edge.handler(viewerRequest({ uri: '/account/orders/', cookie }));
  assert.equal(out.uri, '/account/orders/index.html');
  assert.deepEqual(out.headers.cookie, [{ key: 'Cookie', value: 'theme=dark' }]);
  assert.equal(out.headers.authorization, undefined);
});

test('public requests carrying only auth cookies lose the Cookie header', async () => {
  const out = await edge.handler(viewerRequest({ uri: '/api/catalogue/stock', querystring: 'sku=a', cookie: `${P}.LastAuthUser=bob` }));
  assert.equal(out.uri, '/api/catalogue/stock');
  assert.equal(out.headers.cookie, undefined);
});

test('API requests get Authorization: Bearer <access token>', async () => {
  const cookie = sessionCookie(key, 'bob', [], 3600);
  const out = await edge.handler(viewerRequest({ uri: '/api/orders', cookie }));
  const access = cookie.match(/accessToken=([^;]+)/)[1];
  assert.deepEqual(out.headers.authorization, [{ key: 'Authorization', value: `Bearer ${access}` }]);
});

test('API requests without a session get a JSON 401', async () => {
  const out = await edge.handler(viewerRequest({ uri: '/api/orders' }));
  assert.equal(out.status, '401');
  assert.equal(out.headers['content-type'][0].value, 'application/json');
  const body = JSON.parse(out.body);
  assert.equal(body.error.code, 'unauthorized');
});

test('admin paths need the admin group', async () => {
  const shopper = sessionCookie(key, 'bob', [], 3600);
  const admin = sessionCookie(key, 'ann', ['admin'], 3600);
  assert.equal((await edge.handler(viewerRequest({ uri: '/admin/', cookie: shopper }))).status, '403');
  assert.equal((await edge.handler(viewerRequest({ uri: '/api/admin/orders', cookie: shopper }))).status, '403');
  assert.equal((await edge.handler(viewerRequest({ uri: '/admin/', cookie: admin }))).uri, '/admin/index.html');
});

test('login: redirect, callback with code exchange, cookies, back to the path and query', async () => {
  mode = 'ok';
  const jar = new Map();
  const first = await edge.handler(viewerRequest({ uri: '/account/orders', querystring: 'page=2' }));
  assert.equal(first.status, '302');
  browserCookies(jar, first);
  const location = new URL(first.headers.location[0].value);
  const state = location.searchParams.get('state');
  const qs = new URLSearchParams({ code: 'the-code', state }).toString();
  const cb = await edge.handler(viewerRequest({ uri: '/auth/callback', querystring: qs, cookie: cookieHeader(jar, '/auth/callback') }));
  assert.equal(cb.status, '302');
  assert.equal(cb.headers.location[0].value, '/account/orders?page=2');
  const exchange = endpoint.seen.at(-1);
  assert.equal(exchange.path, '/oauth2/token');
  assert.equal(exchange.form.grant_type, 'authorization_code');
  assert.equal(exchange.form.code, 'the-code');
  assert.equal(exchange.form.client_id, CLIENT);
  assert.ok(exchange.form.code_verifier.length >= 43);
  const names = setCookies(cb).map((c) => c.split('=')[0]);
  for (const n of [`${P}.LastAuthUser`, `${P}.alice.idToken`, `${P}.alice.accessToken`, `${P}.alice.refreshToken`]) {
    assert.ok(names.includes(n), n);
  }
  browserCookies(jar, cb);
  const again = await edge.handler(viewerRequest({ uri: '/account/orders', querystring: 'page=2', cookie: cookieHeader(jar, '/account/orders') }));
  assert.equal(again.status, '301', 'signed in now: on to the directory');
  assert.equal(again.headers.location[0].value, '/account/orders/?page=2');
  const page = await edge.handler(viewerRequest({ uri: '/account/orders/', querystring: 'page=2', cookie: cookieHeader(jar, '/account/orders/') }));
  assert.equal(page.uri, '/account/orders/index.html');
  assert.equal(page.querystring, 'page=2');
});

test('expired tokens are refreshed (307 to the same URL), invalid_grant logs in again', async () => {
  mode = 'ok';
  const cookie = sessionCookie(key, 'alice', ['admin'], -120, 'refresh-1');
  const out = await edge.handler(viewerRequest({ uri: '/account/', querystring: 'x=1&y=2', cookie }));
  assert.equal(out.status, '307');
  assert.equal(out.headers.location[0].value, '/account/?x=1&y=2');
  assert.equal(endpoint.seen.at(-1).form.grant_type, 'refresh_token');
  assert.equal(endpoint.seen.at(-1).form.refresh_token, 'refresh-1');
  assert.ok(setCookies(out).includes(`${P}.alice.refreshToken=refresh-1`), 'the old refresh token is kept');
  mode = 'invalid';
  const bad = await edge.handler(viewerRequest({ uri: '/account/', cookie }));
  assert.equal(bad.status, '302');
  assert.match(bad.headers.location[0].value, /\/oauth2\/authorize\?/);
  const cleared = bad.headers['set-cookie'].filter((h) => h.value.includes('Max-Age=0'));
  assert.equal(cleared.length, 5, 'four auth cookies and the es_signed_in hint');
  mode = 'ok';
});

test('sign-out tolerates a 404 from the revoke endpoint and clears every auth cookie', async () => {
  const cookie = sessionCookie(key, 'alice', [], 3600, 'refresh-1');
  const seen = endpoint.seen.length;
  const out = await edge.handler(viewerRequest({ uri: '/auth/signout', cookie, method: 'POST', extra: { 'sec-fetch-site': 'same-origin' } }));
  assert.equal(endpoint.seen.length, seen + 1);
  assert.equal(endpoint.seen.at(-1).path, '/oauth2/revoke');
  assert.equal(endpoint.seen.at(-1).form.token, 'refresh-1');
  assert.equal(out.status, '303');
  assert.equal(out.headers.location[0].value, '/');
  assert.equal(out.headers['set-cookie'].filter((h) => h.value.includes('Max-Age=0')).length, 5);
});

test('sign-out by a cross-site link or form changes nothing', async () => {
  const cookie = sessionCookie(key, 'alice', [], 3600, 'refresh-1');
  const seen = endpoint.seen.length;
  const link = await edge.handler(viewerRequest({ uri: '/auth/signout', cookie }));
  assert.equal(link.status, '200');
  assert.equal(link.headers['set-cookie'], undefined);
  assert.match(link.body, /<form method="post" action="\/auth\/signout">/);
  const forged = await edge.handler(viewerRequest({
    uri: '/auth/signout', cookie, method: 'POST', extra: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
  }));
  assert.equal(forged.status, '403');
  assert.equal(forged.headers['set-cookie'], undefined);
  assert.equal(endpoint.seen.length, seen, 'no token was revoked');
});

test('a line break in a cookie never reaches the forwarded request', async () => {
  const cookie = `${sessionCookie(key, 'alice', [], 3600)}; x=a\n/admin/secret\nauthorization\tBearer evil`;
  const out = await edge.handler(viewerRequest({ uri: '/account/orders/', cookie }));
  assert.equal(out.status, '400');
  assert.equal(out.uri, undefined);
});

test('a non-canonical API path is forwarded in its normalised form', async () => {
  const cookie = sessionCookie(key, 'root', ['admin'], 3600);
  const out = await edge.handler(viewerRequest({ uri: '/api/admin/%2e%2e/orders', cookie }));
  assert.equal(out.uri, '/api/orders');
  assert.match(out.headers.authorization[0].value, /^Bearer /);
});

test('an API client with its own bearer token and no cookies is forwarded untouched', async () => {
  const out = await edge.handler(viewerRequest({ uri: '/api/orders', extra: { authorization: 'Bearer client-token' } }));
  assert.equal(out.uri, '/api/orders');
  assert.deepEqual(out.headers.authorization, [{ key: 'authorization', value: 'Bearer client-token' }]);
});

test('/auth/signup starts the PKCE flow at the hosted sign-up page', async () => {
  const out = await edge.handler(viewerRequest({ uri: '/auth/signup', querystring: 'next=%2Fcheckout%2F' }));
  assert.equal(out.status, '302');
  const url = new URL(out.headers.location[0].value);
  assert.equal(url.pathname, '/signup');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(url.searchParams.get('state'));
  assert.ok(out.headers['set-cookie'].some((h) => h.value.startsWith('EdgeAuthFlow.')));
});

test('the sign-in link never redirects off the host', async () => {
  for (const next of ['//evil.example', 'https://evil.example', '/\\evil', '%2F%2Fevil.example']) {
    const out = await edge.handler(viewerRequest({ uri: '/auth/signin', querystring: `next=${encodeURIComponent(next)}` }));
    const state = new URL(out.headers.location[0].value).searchParams.get('state');
    const payload = JSON.parse(Buffer.from(state.split('.')[0], 'base64url').toString());
    assert.equal(payload.p, '/', next);
  }
});

test('S3 directory index: <dir>/ is forwarded as <dir>/index.html, headers still changed', async () => {
  const cookie = sessionCookie(key, 'bob', [], 3600);
  for (const [uri, want] of [
    ['/', '/index.html'],
    ['/c/tea/', '/c/tea/index.html'],
    ['/p/SKU-1/', '/p/SKU-1/index.html'],
    ['/c/tea%20cake/', '/c/tea%20cake/index.html'],
    ['/account/orders/', '/account/orders/index.html'],
  ]) {
    const out = await edge.handler(viewerRequest({ uri, querystring: 'a=1', cookie }));
    assert.equal(out.uri, want, uri);
    assert.equal(out.querystring, 'a=1');
    assert.deepEqual(out.headers.cookie, [{ key: 'Cookie', value: 'theme=dark' }], uri);
    assert.equal(out.headers['user-agent'][0].value, 'node-test');
  }
});

test('S3 directory index: dotless page paths get a 301 to <path>/ with the query (GET/HEAD only)', async () => {
  const cookie = sessionCookie(key, 'bob', [], 3600);
  for (const method of ['GET', 'HEAD']) {
    const out = await edge.handler(viewerRequest({ uri: '/account/orders', querystring: 'page=2', cookie, method }));
    assert.equal(out.status, '301', method);
    assert.equal(out.headers.location[0].value, '/account/orders/?page=2');
    assert.equal(out.headers['set-cookie'], undefined);
    assert.match(out.headers['content-security-policy'][0].value, /frame-ancestors 'none'/);
  }
  const about = await edge.handler(viewerRequest({ uri: '/about' }));
  assert.equal(about.headers.location[0].value, '/about/');
  const post = await edge.handler(viewerRequest({ uri: '/account/orders', cookie, method: 'POST' }));
  assert.equal(post.uri, '/account/orders');
});

test('S3 directory index: files, the API and /auth/* are left alone', async () => {
  const cookie = sessionCookie(key, 'bob', [], 3600);
  for (const uri of ['/favicon.ico', '/assets/app.3f2a9c.js', '/api/catalogue/stock', '/api/catalogue/', '/api/orders', '/auth/', '/auth/x']) {
    const out = await edge.handler(viewerRequest({ uri, cookie }));
    assert.equal(out.uri, uri, uri);
  }
});
