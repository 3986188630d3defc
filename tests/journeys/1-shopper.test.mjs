// The shopper's journey through shop-local in a real browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, emailsTo, eventually, fillCheckout, SHOP, SHOPPER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('browse, add to cart, sign in, pay, see the order, get the email, stock goes down', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'shopper');
  const product = catalogue.find((p) => p.status === 'active' && p.stock >= 5 && !p.featured);
  assert.ok(product, 'the demo catalogue has a product with stock to buy');

  // Home: categories and featured products.
  await page.goto(`${SHOP}/`);
  await assert.doesNotReject(page.waitForSelector('[data-testid="product-card"]'));
  await shot('home');

  // Filter to the product's category through the menu.
  await page.click(`a[href="/c/${product.category}/"]`);
  await page.waitForURL(`${SHOP}/c/${product.category}/`);
  const cards = await page.locator('[data-testid="product-list"] [data-testid="product-card"]').count();
  assert.ok(cards > 0, 'the category lists products');
  const listed = await page.locator('[data-testid="product-list"]').innerText();
  assert.ok(listed.includes(product.name), `${product.name} is listed in its category`);
  await shot('category');

  // The product page: its availability comes from the live overlay (the page carries none).
  await page.click(`a[href="/p/${product.sku}/"] >> nth=0`);
  await page.waitForURL(`${SHOP}/p/${product.sku}/`);
  assert.equal((await page.locator('#product-name').innerText()).trim(), product.name);
  await page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled);
  assert.equal((await page.locator('#stock-badge').innerText()).trim(), 'In stock');
  assert.equal(await page.getAttribute('#quantity', 'max'), String(product.stock));
  await shot('product');

  // Add 2; the badge says 2 and survives a reload.
  await page.fill('#quantity', '2');
  await page.click('#add-to-cart');
  await assert.doesNotReject(page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '2'));
  await page.reload();
  await assert.doesNotReject(page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '2'));
  await shot('cart-kept-after-reload');

  // Checkout needs a sign-in: the hosted login, then back to the checkout page.
  await page.goto(`${SHOP}/cart/`);
  await page.waitForSelector('#go-checkout');
  await shot('cart');
  await page.click('#go-checkout');
  await page.waitForSelector('input[name="username"]');
  assert.ok(!page.url().startsWith(SHOP), 'redirected to the hosted login');
  await shot('hosted-login');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  assert.equal(new URL(page.url()).pathname, '/checkout/');

  // Pay with a test card through localstripe's Stripe.js card element.
  await page.waitForSelector('#checkout-form');
  await fillCheckout(page);
  await shot('checkout-filled');
  await page.click('#pay');
  await page.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  const orderId = new URL(page.url()).searchParams.get('order');
  assert.ok(orderId, 'the confirmation page names the order');
  await page.waitForFunction((id) => document.querySelector('#order-id')?.textContent.includes(id), orderId);
  await shot('confirmation');
  assert.equal(await page.evaluate(() => document.querySelector('#cart-count')?.textContent.trim()), '0');

  // The order is on the account page.
  await page.goto(`${SHOP}/account/orders/`);
  await page.waitForFunction((id) => document.querySelector('#orders-body')?.textContent.includes(id.slice(-8)) ||
    document.querySelector('#orders-body')?.innerHTML.includes(id), orderId);
  await shot('account-orders');
  // One order, one page: no "load more" on offer.
  assert.equal(await page.isVisible('#orders-more'), false, 'no "Load more orders" for a single order');

  // The confirmation email arrives (order-events runs from the table's stream).
  const mails = await eventually(async () => {
    const m = await emailsTo(SHOPPER.email);
    return m.find((e) => e.subject.toLowerCase().includes('confirm')) && m;
  });
  assert.ok(mails, 'a confirmation email reached the SES store');
  const confirmations = mails.filter((e) => e.subject.toLowerCase().includes('confirm'));
  assert.equal(confirmations.length, 1);
  assert.ok(confirmations[0].body.text.includes(product.name));
  // The email names the order as the site does, and its "See your order" link, clicked in the
  // email, opens that order's page (signed in, in this browser).
  assert.ok(confirmations[0].subject.includes(orderId), confirmations[0].subject);
  assert.equal(confirmations[0].from, 'Edge Shop <orders@shop.example>', 'the inbox shows the shop by name');
  const mail = await page.context().newPage();
  await mail.setContent(confirmations[0].body.html);
  const mailShot = recorder(mail, 'shopper-email');
  await mailShot('confirmation-email');
  await Promise.all([mail.waitForURL(/\/checkout\/done\/\?order=/), mail.click('a:has-text("See your order")')]);
  assert.equal(new URL(mail.url()).searchParams.get('order'), orderId);
  await mail.waitForFunction((id) => document.querySelector('#order-id')?.textContent.includes(id), orderId);
  await mail.waitForFunction(() => document.querySelector('#order-total')?.textContent.trim());
  assert.notEqual((await mail.textContent('#status-heading')).trim(), 'Order not found');
  await mailShot('order-from-email-link');
  await mail.close();

  // The product page shows the reduced stock (live overlay from the API).
  const expected = product.stock - 2;
  const live = await eventually(async () => {
    const r = await fetch(`${SHOP}/api/catalogue/stock?sku=${product.sku}`);
    const j = await r.json();
    return j.items[0].stock === expected;
  });
  assert.ok(live, `stock is ${expected} after the order`);
  // A stock-only change re-renders nothing (catalogue-publisher: no upload, no paid
  // invalidation per order); the page's live overlay shows it. The stock API may be cached for 10 s
  // (Cache-Control: max-age=10, as CloudFront would), and this browser asked
  // for it a few seconds ago: reload until that has passed. What a person sees: the quantity
  // can go up to what is left, and the badge says whether any is.
  const words = expected <= 0 ? 'Sold out' : expected <= 3 ? `Only ${expected} left` : 'In stock';
  const overlaid = await eventually(async () => {
    await page.goto(`${SHOP}/p/${product.sku}/`);
    return page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled, null, { timeout: 5000 })
      .then(async () => (await page.getAttribute('#quantity', 'max')) === String(expected) &&
        (await page.locator('#stock-badge').innerText()).trim() === words, () => false);
  }, { tries: 15, delayMs: 1000 });
  assert.ok(overlaid, `the product page lets a shopper pick up to ${expected} and says "${words}"`);
  await shot('stock-reduced');
  await context.close();
});

test('a sold-out product cannot be added to the cart', async () => {
  const page = await browser.newPage();
  const soldOut = catalogue.find((p) => p.status === 'active' && p.stock === 0);
  assert.ok(soldOut, 'the demo catalogue has a sold-out product');
  await page.goto(`${SHOP}/p/${soldOut.sku}/`);
  // The overlay fills the badge (empty as served) and names the button.
  await page.waitForFunction(() => document.querySelector('#stock-badge').textContent.trim() !== '');
  const badge = (await page.locator('#stock-badge').innerText()).toLowerCase();
  assert.ok(badge.includes('sold out'), `badge says sold out, got "${badge}"`);
  assert.equal(await page.locator('#add-to-cart').isDisabled(), true);
  assert.equal((await page.locator('#add-to-cart').innerText()).trim(), 'Sold out');
  await recorder(page, 'sold-out')('product');
  await page.close();
});

test('a signed-out visit to /account/orders/ goes to the login and comes back to it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${SHOP}/account/orders/`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  assert.equal(new URL(page.url()).pathname, '/account/orders/');
  await page.waitForSelector('#orders');
  await recorder(page, 'signed-out-visit')('back-on-orders');
  await context.close();
});
