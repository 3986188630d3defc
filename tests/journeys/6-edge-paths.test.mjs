// Which requests run the Lambda@Edge core (issue 15): shop-local dispatches by the same routing
// table as CloudFront (edge/routes.json) and counts the edge core's runs, so a shopper browsing
// home → listing → product → cart signed out runs it zero times, and checkout and account
// pages run it. Also: the security headers of each route, the shop's 404 page with status 404,
// the signed-in hint cookie, and sign-out by the page's button only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, SHOP, SHOPPER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** How many requests have run the edge core in shop-local so far. */
async function edgeRuns() {
  const res = await fetch(`${SHOP}/_shop-local/edge-runs`);
  assert.equal(res.status, 200);
  return (await res.json()).edgeRuns;
}

test('browsing signed out runs the edge core zero times; checkout and account run it', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'edge-paths');
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`); });
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const product = catalogue.find((p) => p.status === 'active' && p.stock >= 2);

  const before = await edgeRuns();
  const home = await page.goto(`${SHOP}/`);
  await page.waitForSelector('[data-testid="product-card"]');
  assert.match(home.headers()['content-security-policy'], /script-src 'self' http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(home.headers()['x-frame-options'], 'DENY');
  await shot('home');
  await page.click(`a[href="/c/${product.category}/"]`);
  await page.waitForURL(`${SHOP}/c/${product.category}/`);
  await page.waitForSelector('[data-testid="product-list"] [data-testid="product-card"]');
  await shot('listing');
  await page.click(`a[href="/p/${product.sku}/"] >> nth=0`);
  await page.waitForURL(`${SHOP}/p/${product.sku}/`);
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '1');
  await shot('product');
  await page.goto(`${SHOP}/cart`); // no slash: the viewer function's 301 to /cart/
  assert.equal(new URL(page.url()).pathname, '/cart/');
  await page.waitForSelector('#go-checkout');
  await page.waitForLoadState('networkidle');
  await shot('cart');
  assert.ok(requested.some((p) => p.startsWith('/api/catalogue/')), 'the live overlay asked the public API');
  assert.equal(await edgeRuns(), before, `browsing ran the edge core; requests: ${requested.join(' ')}`);
  assert.deepEqual(errors, [], 'no console errors while browsing signed out');

  // A missing page: the shop's 404 page, status 404, still no edge.
  const missing = await page.goto(`${SHOP}/p/NO-SUCH-THING/`);
  assert.equal(missing.status(), 404);
  assert.equal(await page.getAttribute('body', 'data-page'), 'not-found');
  await shot('not-found');
  assert.equal(await edgeRuns(), before);

  // Checkout needs identity: the edge runs (login redirect), and again on the way back.
  await page.goto(`${SHOP}/cart/`);
  await page.click('#go-checkout');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  assert.equal(new URL(page.url()).pathname, '/checkout/');
  const afterCheckout = await edgeRuns();
  assert.ok(afterCheckout >= before + 2, `checkout ran the edge core (${afterCheckout - before} runs)`);
  await shot('checkout');

  // The hint the page's script reads is there, readable, and carries no token.
  const hint = (await context.cookies()).find((c) => c.name === 'es_signed_in');
  assert.ok(hint, 'es_signed_in is set at sign-in');
  assert.equal(hint.value, '1');
  assert.equal(hint.httpOnly, false);
  assert.equal(hint.sameSite, 'Lax');

  // The account page runs it too.
  await page.goto(`${SHOP}/account/`);
  await page.waitForSelector('#sign-out-link');
  assert.ok((await edgeRuns()) > afterCheckout, 'the account page ran the edge core');
  await shot('account');

  // A cross-site link to sign-out signs nobody out: it shows the button.
  await page.goto(`${SHOP}/auth/signout`);
  assert.ok(await page.isVisible('form[action="/auth/signout"] button'), 'a sign-out button, not a sign-out');
  await page.goto(`${SHOP}/account/`);
  assert.equal(new URL(page.url()).pathname, '/account/', 'still signed in after the GET');
  await page.waitForSelector('#sign-out-link');

  // The page's button signs out (same-origin POST), clearing the tokens and the hint.
  await Promise.all([page.waitForURL(`${SHOP}/`), page.click('#sign-out-link')]);
  await shot('signed-out');
  const left = (await context.cookies()).map((c) => c.name);
  assert.ok(!left.includes('es_signed_in'), `hint cleared: ${left}`);
  assert.ok(!left.some((n) => n.startsWith('CognitoIdentityServiceProvider.')), `tokens cleared: ${left}`);
  await page.goto(`${SHOP}/account/`);
  await page.waitForSelector('input[name="username"]');
  assert.ok(!page.url().startsWith(SHOP), 'signed out: the account page asks for a sign-in');
  await context.close();
});

test('an API client with its own bearer token and no cookies is served', async () => {
  // The client gets its token from the hosted UI as any OAuth client would; here the
  // browser's own session provides one, then a cookie-less request carries it.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${SHOP}/account/`);
  await signIn(page, SHOPPER.email, SHOPPER.password);
  const access = (await context.cookies()).find((c) => c.name.endsWith('.accessToken'));
  assert.ok(access, 'signed in');
  const res = await fetch(`${SHOP}/api/me`, { headers: { authorization: `Bearer ${access.value}` } });
  assert.equal(res.status, 200);
  const me = await res.json();
  assert.equal(me.email, SHOPPER.email);
  const refused = await fetch(`${SHOP}/api/me`, { headers: { authorization: 'Bearer not-a-token' } });
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.code, 'unauthorized');
  await context.close();
});
