// Sessions in the header, and the Back button. The owner's header links to the back office; a
// shopper's does not. Back to the login page after signing in, and signing in there
// again, goes on to the page the sign-in was for (the edge finds that sign-in used, and the
// visitor signed in). After signing out, Back shows nothing of the session: not the shopper's
// email, not their orders. Two ways a browser brings a page back: from its HTTP cache (the signed-in pages
// and every API answer are sent `Cache-Control: no-store`, so they are asked for again, and the
// edge sends a signed-out visitor to sign in), and from its back/forward cache, which keeps a
// whole page as it was shown (Playwright turns that cache off by default; the second test turns
// it back on): the page's script reloads a page that showed the session once it has ended.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, problems, SHOP, SHOPPER, OWNER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
let browser;
let bfcacheBrowser;

before(async () => {
  browser = await launch();
  bfcacheBrowser = await launch({ backForwardCache: true });
});
after(async () => {
  await browser?.close();
  await bfcacheBrowser?.close();
});

/** Signs in from the account page; waits until the header shows who is signed in. */
async function signInAtAccount(page) {
  await page.goto(`${SHOP}/account/`);
  await signIn(page, SHOPPER.email, SHOPPER.password);
  assert.equal(new URL(page.url()).pathname, '/account/');
  await page.waitForFunction((email) => document.querySelector('#account-email-header')?.textContent === email, SHOPPER.email);
}

async function signOut(page) {
  await Promise.all([
    page.waitForURL((u) => u.toString() === `${SHOP}/`),
    page.click('#sign-out-button'),
  ]);
  await page.waitForSelector('#sign-in');
}

test('Back after signing out asks again: the account page is not shown from the cache', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'back-and-sessions');
  const errors = problems(page);
  const cacheControl = {};
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.url().startsWith(SHOP) && (path === '/account/' || path === '/api/me' || path === '/api/orders')) {
      cacheControl[path] = r.headers()['cache-control'];
    }
  });

  await signInAtAccount(page);
  await page.waitForSelector('#orders:not([hidden]), #orders-empty:not([hidden])');
  await shot('account-signed-in');
  assert.deepEqual(cacheControl, { '/account/': 'no-store', '/api/me': 'no-store', '/api/orders': 'no-store' });

  await signOut(page);
  await shot('signed-out');
  await page.goBack();
  await page.waitForLoadState('networkidle');
  await shot('back');
  // The account page is asked for again: signed out, the edge sends the visitor to sign in.
  assert.notEqual(page.url(), `${SHOP}/account/`);
  assert.equal(await page.locator(`text=${SHOPPER.email}`).count(), 0, 'the email is not shown after Back');
  assert.equal(await page.locator('#orders-body tr').count(), 0, 'no order is shown after Back');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Back after signing out: a page kept by the back/forward cache reloads signed out', async () => {
  const context = await bfcacheBrowser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'back-and-sessions');
  const errors = problems(page);
  const product = catalogue.find((p) => p.status === 'active');

  await signInAtAccount(page);
  // A public page, which shows the session in its header.
  await page.goto(`${SHOP}/p/${product.sku}/`);
  await page.waitForFunction((email) => document.querySelector('#account-email-header')?.textContent === email, SHOPPER.email);
  await page.goto(`${SHOP}/cart/`);
  await page.waitForSelector('#sign-out-form:not([hidden])');
  await signOut(page);

  await page.goBack(); // the cart page, signed in when it was left
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0]?.type === 'reload');
  await page.waitForSelector('#sign-in');
  await shot('back-from-bfcache');
  assert.equal(new URL(page.url()).pathname, '/cart/');
  assert.equal(await page.locator('#account-email-header').count(), 0, 'the header shows nobody signed in');
  assert.ok(await page.locator('#sign-out-form').evaluate((f) => f.hidden), 'no sign-out button');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Back after someone else signed in in the same tab: a kept page reloads with who is signed in now', async () => {
    const context = await bfcacheBrowser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'back-and-sessions');
  const errors = problems(page);

  await signInAtAccount(page); // the shopper
  await page.goto(`${SHOP}/cart/`);
  await page.waitForFunction((email) => document.querySelector('#account-email-header')?.textContent === email, SHOPPER.email);
  await signOut(page);
  await page.goto(`${SHOP}/account/`);
  await signIn(page, OWNER.email, OWNER.password);
  await page.waitForFunction((email) => document.querySelector('#account-email-header')?.textContent === email, OWNER.email);

  // Three steps back (past the sign-in page and the home page the sign-out ended on): the cart
  // page, kept with the shopper's email in its header.
  await Promise.all([
    page.waitForURL(`${SHOP}/cart/`),
    page.evaluate(() => history.go(-3)),
  ]);
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0]?.type === 'reload');
  await page.waitForFunction((email) => document.querySelector('#account-email-header')?.textContent === email, OWNER.email);
  await shot('back-other-user');
  assert.equal(await page.locator(`text=${SHOPPER.email}`).count(), 0, "the shopper's email is gone");
  assert.deepEqual(errors, []);
  await context.close();
});

test('Back to the login page after signing in at checkout, and signing in again, returns to checkout', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'back-and-sessions');
  const errors = problems(page);
  const product = catalogue.find((p) => p.status === 'active' && p.stock >= 1);

  await page.goto(`${SHOP}/p/${product.sku}/`);
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '1');
  await page.goto(`${SHOP}/cart/`);
  await page.click('#go-checkout');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  assert.equal(new URL(page.url()).pathname, '/checkout/');

  await page.goBack(); // the sign-in service's login page, for a sign-in that has ended
  await page.waitForSelector('input[name="username"]');
  await shot('login-again');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  assert.equal(new URL(page.url()).pathname, '/checkout/');
  await page.waitForSelector('#pay');
  assert.equal(await page.locator('text=Sign-in failed').count(), 0);
  await shot('checkout-again');
  assert.deepEqual(errors, []);
  await context.close();
});

test("the owner's header links to the back office; a shopper's does not, and the back office tells a shopper to sign out", async () => {
    for (const [who, expected] of [[OWNER, 1], [SHOPPER, 0]]) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const shot = recorder(page, 'back-and-sessions');
    const errors = problems(page);
    await page.goto(`${SHOP}/account/`);
    await signIn(page, who.email, who.password);
    await page.waitForFunction((email) => document.querySelector('#account-email-header')?.textContent === email, who.email);
    await page.goto(`${SHOP}/`);
    await page.waitForSelector('#account-email-header');
    await page.waitForLoadState('networkidle');
    await shot(expected ? 'owner-header' : 'shopper-header');
    assert.equal(await page.locator('#back-office-link').count(), expected, who.email);
    if (expected) {
      // On a phone the header wraps; nothing scrolls sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      await shot('owner-header-phone');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
      assert.ok(await page.locator('#back-office-link').isVisible());
      await page.click('#back-office-link');
      await page.waitForURL(`${SHOP}/admin/`);
      await page.waitForLoadState('networkidle');
      await shot('back-office');
    } else {
      // A shopper who opens the back office's address is told so, and can sign out to use
      // another account. (The browser logs the page's own 403; nothing else may appear.)
      assert.deepEqual(errors, []);
      const denied = await page.goto(`${SHOP}/admin/`);
      assert.equal(denied.status(), 403);
      assert.equal(await page.textContent('h1'), 'Not allowed');
      await shot('shopper-not-allowed');
      await Promise.all([
        page.waitForURL((u) => u.toString() === `${SHOP}/`),
        page.click('form button:text("Sign out")'),
      ]);
      await page.waitForSelector('#sign-in');
      errors.splice(0, errors.length, ...errors.filter((e) => !e.startsWith(`${SHOP}/admin/: Failed to load resource: the server responded with a status of 403`)));
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
});
