// What a shopper reads on the cart, checkout and order pages when something is
// not as expected (session 7's walk): one currency per order (the product page
// refuses another, a cart mixing them shows a sum per currency and cannot be
// paid), totals count only what can be bought, quantities never change
// silently, the empty checkout says only that (and, after paying, links to the
// order just placed), and declined cards, failed 3-D Secure, sold-out lines
// and unknown orders are told in sentences with the product's name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, eventually, fillAndPay, watchedPage, SHOP, SHOPPER, OWNER, cartLine, setCart, onPhone, CART } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
// In a category of its own (journeys 4 and 8 count the demo categories; the admin table lists retired products).
const GBP = { sku: 'PEW-901', name: 'Pewter Pepper Pot', category: 'pewter', price: { amount: 1200, currency: 'GBP' } };
const LAST_ORDER = 'edge-shop.last-order.v1';
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const euro = (cents) => `€${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const text = async (page, sel) => (await page.locator(sel).innerText()).trim();
const visible = (page, sel) => page.locator(sel).isVisible();

/** The cart page once the live overlay has refreshed it. */
async function openCart(page) {
  await page.goto(`${SHOP}/cart/`);
  await page.waitForLoadState('networkidle');
}

test('the cart: no empty total, quantities never change silently, unavailable lines not counted, sold out cannot be typed', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'cart-messages');

  // The empty cart says so, and nothing else: no total line without an amount.
  await openCart(page);
  assert.ok(await visible(page, '[data-testid="cart-empty"]'));
  assert.ok(!(await page.locator('main').innerText()).includes('Total'), 'no total on an empty cart');
  assert.equal(await visible(page, '#go-checkout'), false);
  await shot('empty');

  // Typing more than is left: lowered to the stock, and the line says so.
  const board = await cartLine('KIT-002', 1);
  const mat = await cartLine('TEX-008', 2);
  const left = board.stock;
  assert.ok(left >= 2 && left < 9, `${board.sku} has a few left (${left})`);
  await setCart(page, [board, mat]);
  await openCart(page);
  // A line without a photo shows the small placeholder with the product's initial.
  assert.equal(await text(page, `li[data-sku="${board.sku}"] .no-photo-small .no-photo-initial`), board.name[0].toUpperCase());
  await page.fill(`#qty-${board.sku}`, '9');
  await page.keyboard.press('Tab');
  await page.waitForSelector('[data-testid="line-notice"]');
  assert.equal(await page.inputValue(`#qty-${board.sku}`), String(left));
  assert.equal(await text(page, `[data-sku="${board.sku}"] [data-testid="line-notice"]`), `Only ${left} left: quantity set to ${left}.`);
  assert.equal(await text(page, '#cart-total'), euro(left * board.price.amount + 2 * mat.price.amount));
  await shot('lowered-to-stock');
  await onPhone(page, () => shot('lowered-to-stock-phone'));

  // 0 and negative numbers keep the line at 1 and say how to remove it.
  for (const typed of ['0', '-3']) {
    await page.fill(`#qty-${mat.sku}`, typed);
    await page.keyboard.press('Tab');
    await page.waitForSelector(`[data-sku="${mat.sku}"] [data-testid="line-notice"]`);
    assert.equal(await page.inputValue(`#qty-${mat.sku}`), '1', `typed ${typed}`);
    assert.ok((await text(page, `[data-sku="${mat.sku}"] [data-testid="line-notice"]`)).includes('press Remove'));
    assert.equal(await page.locator('[data-testid="cart-line"]').count(), 2, `typing ${typed} removes nothing`);
  }
  assert.equal(await text(page, '#cart-count'), String(left + 1));
  await shot('at-least-one');
  // Remove does remove.
  await page.click(`[data-sku="${mat.sku}"] [data-testid="remove-line"]`);
  assert.equal(await page.locator('[data-testid="cart-line"]').count(), 1);

  // Adding more on the product page than is left: the cart keeps what is left, and the page says so.
  await page.goto(`${SHOP}/p/${board.sku}/`);
  await page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled);
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#cart-message')?.textContent.length > 0);
  assert.equal(await text(page, '#cart-message'), `Only ${left} left: ${left} in your cart.`);
  assert.equal(await text(page, '#cart-count'), String(left));
  await shot('product-page-capped');

  // With live stock unknown (the stock API unreachable), a line is capped at 99 and the page
  // says that is the most per order, not that 99 are left.
  await setCart(page, []);
  await page.route('**/api/catalogue/stock**', (r) => r.abort('internetdisconnected'));
  await page.goto(`${SHOP}/p/${board.sku}/`);
  await page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled);
  await page.fill('#quantity', '150');
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#cart-message')?.textContent.length > 0);
  assert.equal(await text(page, '#cart-message'), 'At most 99 of one item per order: 99 in your cart.');
  await page.unroute('**/api/catalogue/stock**');
  await setCart(page, [board]);

  // A line no longer for sale is shown, not counted, and said not to be.
  const apron = await cartLine('KIT-003', 1); // sold out
  assert.equal(apron.stock, 0);
  const spoons = await cartLine('KIT-005', 1);
  await setCart(page, [apron, spoons]);
  await openCart(page);
  await page.waitForSelector('[data-testid="cart-excluded"]:not([hidden])');
  assert.equal(await text(page, '#cart-total'), euro(spoons.price.amount), 'only what can be bought is counted');
  assert.equal(await text(page, '[data-testid="cart-excluded"]'), `${apron.name} is not counted in the total: sold out.`);
  assert.ok((await text(page, `li[data-sku="${apron.sku}"]`)).includes('Sold out'));
  assert.equal(await visible(page, '#go-checkout'), false, 'no checkout while it is in the cart');
  await shot('unavailable-not-counted');
  await page.click(`[data-sku="${apron.sku}"] [data-testid="remove-line"]`);
  assert.equal(await visible(page, '#go-checkout'), true, 'removed: checkout is offered');
  assert.equal(await visible(page, '[data-testid="cart-excluded"]'), false);

  // The sold-out product page: nothing to type or press.
  await page.goto(`${SHOP}/p/${apron.sku}/`);
  await page.waitForFunction(() => document.querySelector('#stock-badge')?.textContent.trim() === 'Sold out');
  assert.equal(await page.locator('#quantity').isDisabled(), true, 'the quantity box is disabled');
  assert.equal(await page.locator('#add-to-cart').isDisabled(), true);
  await shot('sold-out-product');

  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});

test('one currency per order: another is refused on the product page; a mixed cart shows a sum per currency and cannot be paid', async () => {
  // The owner adds a product priced in pounds.
  const owner = await browser.newContext();
  const admin = await owner.newPage();
  await admin.goto(`${SHOP}/admin/`);
  await signIn(admin, OWNER.email, OWNER.password);
  const created = await admin.evaluate(async (p) => (await fetch('/api/admin/products', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sku: p.sku, name: p.name, description: 'A small pewter pepper pot.', category: p.category, price: p.price, stock: 5 }),
  })).status, GBP);
  assert.ok([201, 409].includes(created), `the owner created ${GBP.sku} (${created})`);
  if (created === 409) {
    // There from a run before (and retired at its end): on sale again.
    await admin.evaluate(async (sku) => fetch(`/api/admin/products/${sku}/restore`, { method: 'POST' }), GBP.sku);
  }
  try {
    await currencies();
  } finally {
    // Retired again, whatever happened: no other journey expects it on sale.
    assert.equal(await admin.evaluate(async (sku) => (await fetch(`/api/admin/products/${sku}/retire`, { method: 'POST' })).status, GBP.sku), 200);
    await owner.close();
  }
});

async function currencies() {
  assert.ok(await eventually(async () => (await fetch(`${SHOP}/p/${GBP.sku}/`)).ok), 'its page is published');

  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'cart-currency');
  const jar = await cartLine('KIT-004', 1);
  await setCart(page, [jar]);

  // The product page refuses it, says why, and the cart is unchanged.
  await page.goto(`${SHOP}/p/${GBP.sku}/`);
  await page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled);
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#cart-message')?.textContent.length > 0);
  const refused = await text(page, '#cart-message');
  assert.ok(refused.startsWith('Your cart is in euros and this item is priced in pounds sterling.'), refused);
  assert.ok(refused.includes('separate order'), refused);
  assert.equal(await text(page, '#cart-count'), '1', 'nothing was added');
  assert.deepEqual((await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), CART)).map((l) => l.sku), [jar.sku]);
  await shot('refused-on-product-page');

  // With the euro item gone, the same product goes in.
  await setCart(page, []);
  await page.reload();
  await page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled);
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '1');
  assert.ok((await text(page, '#cart-message')).startsWith('Added to cart'));

  // A cart that already mixes them (kept from before): no single total, a sum per currency, why, and no checkout.
  await setCart(page, [{ ...GBP, image: null, stock: 5, quantity: 1 }, jar]);
  await openCart(page);
  await page.waitForSelector('[data-testid="cart-mixed"]:not([hidden])');
  assert.equal(await visible(page, '#cart-total'), false, 'no single total');
  const sums = await page.locator('[data-testid="cart-currency-total"]').allInnerTexts();
  assert.deepEqual(sums.map((s) => s.trim()), ['Items in pounds sterling: £12.00', `Items in euros: ${euro(jar.price.amount)}`]);
  assert.ok((await text(page, '[data-testid="cart-mixed"]')).startsWith('Your cart mixes pounds sterling and euros.'));
  assert.ok(!(await page.locator('main').innerText()).includes('£' + ((1200 + jar.price.amount) / 100).toFixed(2)), 'never summed');
  assert.equal(await visible(page, '#go-checkout'), false);
  await shot('mixed-cart');
  await onPhone(page, () => shot('mixed-cart-phone'));

  // Checkout says the same, with the way back and no Pay button.
  await page.goto(`${SHOP}/checkout/`);
  await signIn(page, SHOPPER.email, SHOPPER.password);
  await page.waitForSelector('[data-testid="checkout-problem"]:not([hidden])');
  assert.ok((await text(page, '[data-testid="checkout-problem"]')).startsWith('Your cart mixes pounds sterling and euros.'));
  assert.equal(await visible(page, '#pay'), false, 'no Pay button');
  assert.equal(await visible(page, '#checkout-order'), false, 'no empty order summary');
  assert.ok(await visible(page, 'a[href="/cart/"] >> text=Back to your cart'));
  await shot('mixed-checkout');

  // One currency in the cart as it was added, but the shop now prices one of its items in
  // another (the cart kept an old price): a shopper's sentence, not the API's.
  await setCart(page, [{ ...GBP, price: { amount: 1200, currency: 'EUR' }, image: null, stock: 5, quantity: 1 }, jar]);
  await page.goto(`${SHOP}/checkout/`);
  await page.waitForSelector('[data-testid="checkout-problem"]:not([hidden])');
  const repriced = await text(page, '#checkout-problem-text');
  assert.ok(repriced.startsWith('Some items in your cart are now priced in another currency.'), repriced);
  assert.equal(await visible(page, '#pay'), false, 'no Pay button');
  await shot('repriced-currency-checkout');

  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
}

async function checkoutWith(page, lines) {
  await setCart(page, lines);
  await page.goto(`${SHOP}/checkout/`);
  await page.waitForFunction(() => !document.querySelector('#checkout-breakdown')?.hidden);
}

const errorShown = (page) => page.waitForFunction(() => !document.querySelector('#checkout-error')?.hidden, null, { timeout: 30_000 });

test('checkout and order pages: sentences a shopper understands, the empty checkout, Back after paying', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'checkout-messages');
  await page.goto(`${SHOP}/checkout/`);
  await signIn(page, SHOPPER.email, SHOPPER.password);

  // An empty cart: only that, no "Pricing your cart…" forever.
  await page.waitForSelector('[data-testid="checkout-empty"]:not([hidden])');
  assert.equal(await text(page, '[data-testid="checkout-empty"]'), 'Your cart is empty. Keep shopping.');
  assert.equal(await visible(page, '#checkout-order'), false);
  assert.equal(await visible(page, '#checkout-form'), false);
  assert.ok(!(await page.locator('main').innerText()).includes('Pricing your cart'));
  await shot('empty');

  // A sold-out line is named by its name, not its code, and nothing can be paid.
  const apron = await cartLine('KIT-003', 1);
  await setCart(page, [apron]);
  await page.goto(`${SHOP}/checkout/`);
  await page.waitForSelector('[data-testid="checkout-problem"]:not([hidden])');
  const soldOut = await text(page, '#checkout-problem-text');
  assert.equal(soldOut, `${apron.name} is sold out. Please change your cart and come back.`);
  assert.equal(await visible(page, '#pay'), false);
  await shot('sold-out-line');

  // A declined card.
  const glass = await cartLine('TAB-005', 1);
  await checkoutWith(page, [glass]);
  await fillAndPay(page, '4000000000000002');
  await errorShown(page);
  assert.equal(await text(page, '#checkout-error'), 'Your card was declined. Please try another card.');
  await shot('declined');

  // 3-D Secure that fails at the bank: told in the server's words, and the unit held for
  // this checkout is on sale again at once (not after the reservation's 10 minutes).
  const left = async () => (await (await fetch(`${SHOP}/api/catalogue/stock?sku=${glass.sku}`)).json()).items[0].stock;
  const before = await left();
  await checkoutWith(page, [glass]);
  await fillAndPay(page, '4000000000003220');
  await page.waitForSelector('text=Fail authentication', { timeout: 30_000 });
  assert.equal(await left(), before - 1, 'held while the bank asks');
  await page.click('text=Fail authentication');
  await errorShown(page);
  assert.equal(await text(page, '#checkout-error'),
    'Your bank could not confirm this payment (3-D Secure). Please try again or use another card.');
  assert.equal(await left(), before, 'the unit is back on sale at once');
  await shot('3ds-failed');

  // The network fails while the payment is confirmed: the card may already be held, so the
  // page keeps the attempt, and Pay again finishes that same checkout (one order, one unit).
  const beforeConfirm = await left();
  await checkoutWith(page, [glass]);
  await page.route('**/confirm', (route) => route.abort(), { times: 1 });
  await fillAndPay(page, '4242424242424242');
  await errorShown(page);
  assert.equal(await text(page, '#checkout-error'),
    'We could not confirm your payment yet. Press Pay again to finish it; you will not be charged twice.');
  assert.equal(await left(), beforeConfirm - 1, 'one unit held');
  await shot('confirm-network-failed');
  await page.click('#pay');
  await page.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  assert.equal(await left(), beforeConfirm - 1, 'still one unit: the same checkout, not a second');

  // Paid; then Back: the empty checkout links to the order just placed.
  await checkoutWith(page, [glass]);
  await fillAndPay(page, '4242424242424242');
  await page.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  const orderId = new URL(page.url()).searchParams.get('order');
  await page.waitForSelector('#order-meta:not([hidden])');
  assert.equal(await text(page, '#order-id'), orderId);
  // Paying emptied the cart (checkout.js, before coming here).
  assert.equal(await text(page, '#cart-count'), '0', 'the paid cart is empty');
  await page.goBack();
  await page.waitForSelector('[data-testid="checkout-placed"]:not([hidden])');
  assert.ok((await text(page, '[data-testid="checkout-placed"]')).includes(orderId));
  assert.ok(await visible(page, '[data-testid="checkout-empty"]'));
  assert.equal(await visible(page, '#checkout-order'), false);
  await shot('back-after-paying');
  await page.click('[data-testid="placed-link"]');
  await page.waitForURL((u) => u.pathname === '/checkout/done/' && u.searchParams.get('order') === orderId);
  await page.waitForSelector('#order-meta:not([hidden])');

  // Opening a past order from the orders list keeps what is in the cart now.
  await setCart(page, [glass]);
  await page.goto(`${SHOP}/account/orders/`);
  await page.click(`[data-order-id="${orderId}"] a`);
  await page.waitForSelector('#order-meta:not([hidden])');
  assert.equal(await text(page, '#cart-count'), '1', 'the cart keeps its item');
  await page.goto(`${SHOP}/cart/`);
  assert.equal(await page.locator('[data-testid="cart-line"]').count(), 1);
  await setCart(page, []);

  // The order page never stays on "Loading your order…": with the API unreachable it says so.
  await page.route('**/api/orders/**', (r) => r.abort('internetdisconnected'));
  await page.goto(`${SHOP}/checkout/done/?order=${orderId}`);
  await page.waitForFunction(() => document.querySelector('#status-heading')?.textContent === 'Order not loaded', null, { timeout: 30_000 });
  assert.ok((await text(page, '#status-message')).startsWith('Your order could not be loaded just now.'));
  assert.ok(await visible(page, '[data-testid="all-orders"]'));
  await shot('order-not-loaded');
  await page.unroute('**/api/orders/**');
  // The session ends while the page is open (its cookies gone before it asks for the order:
  // the API's own 401): the page says so and links to sign in, which comes back here.
  await page.route('**/api/orders/**', async (r) => {
    await context.clearCookies();
    return r.continue();
  });
  await page.goto(`${SHOP}/checkout/done/?order=${orderId}`);
  await page.waitForFunction(() => document.querySelector('#status-heading')?.textContent === 'Please sign in again', null, { timeout: 30_000 });
  assert.equal(await text(page, '#status-message'), 'Your session has ended. Sign in to see this order.');
  const back = new URL(await page.getAttribute('[data-testid="sign-in-again"]', 'href'), SHOP);
  assert.equal(back.pathname, '/auth/signin');
  assert.equal(back.searchParams.get('next'), `/checkout/done/?order=${orderId}`);
  await shot('order-session-ended');
  await page.unroute('**/api/orders/**');
  await page.click('[data-testid="sign-in-again"]');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  await page.waitForURL((u) => u.pathname === '/checkout/done/' && u.searchParams.get('order') === orderId);
  await page.waitForSelector('#order-meta:not([hidden])');

  // The empty checkout mentions the order just placed only for a few minutes...
  await page.goto(`${SHOP}/checkout/`);
  await page.waitForSelector('[data-testid="checkout-placed"]:not([hidden])');
  await page.evaluate(([k, id]) => sessionStorage.setItem(k, JSON.stringify({ id, at: Date.now() - 11 * 60 * 1000 })), [LAST_ORDER, orderId]);
  await page.reload();
  await page.waitForSelector('[data-testid="checkout-empty"]:not([hidden])');
  assert.equal(await visible(page, '[data-testid="checkout-placed"]'), false, 'not after ten minutes');
  // ...and not after signing out and in again in the same tab.
  await page.evaluate(([k, id]) => sessionStorage.setItem(k, JSON.stringify({ id, at: Date.now() })), [LAST_ORDER, orderId]);
  await page.waitForSelector('[data-testid="sign-out"]:not([hidden])');
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="sign-out"]')]);
  await page.goto(`${SHOP}/checkout/`);
  await signIn(page, SHOPPER.email, SHOPPER.password);
  await page.waitForSelector('[data-testid="checkout-empty"]:not([hidden])');
  assert.equal(await visible(page, '[data-testid="checkout-placed"]'), false, 'forgotten at sign-out');
  await shot('empty-after-sign-out');

  // An order that is not the shopper's, or no order at all: one message and the way to their orders.
  for (const [query, message] of [
    ['?order=NOPE', 'There is no order NOPE in your account. Find yours under “All your orders”.'],
    ['', 'This link does not name an order. Find yours under “All your orders”.'],
  ]) {
    await page.goto(`${SHOP}/checkout/done/${query}`);
    await page.waitForFunction(() => document.querySelector('#status-heading')?.textContent === 'Order not found');
    assert.equal(await text(page, '#status-message'), message);
    assert.equal(await visible(page, '#order-meta'), false, 'no "Order · status" without an order');
    assert.ok(await visible(page, '[data-testid="all-orders"]'));
    await shot(`not-found${query ? '-nope' : '-no-id'}`);
  }

  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});
