// What session 9's shopper walk found, as the shopper sees it: an address of
// spaces is refused beside the field before the card is touched; Pay with
// empty card fields says so beside the card instead of "Checking your card…"
// for good; a cart changed in another tab is told as such and the summary
// follows it before paying; the cart keeps keyboard focus through quantity
// edits (Tab, arrow keys) and Remove. Then the polish: the order page shows
// where the parcel goes and is titled by what it shows; the orders list says
// what was bought, dated the same in every browser; "Sold out" (none left) and
// "No longer available" (retired) mean one thing each, everywhere, and the
// header counts only what can be bought; crossed price filters say so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, fillCheckout, watchedPage, buy, SHOP, SHOPPER, cartLine, setCart, onPhone, CART } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const text = async (page, sel) => (await page.locator(sel).innerText()).trim();
const visible = (page, sel) => page.locator(sel).isVisible();
const focused = (page, sel) => page.evaluate((s) => document.activeElement?.matches(s) ?? false, sel);

/** The checkout page, signed in (once per context), with the server's quote shown. */
async function checkoutWith(page, lines, { signedIn = true } = {}) {
  await setCart(page, lines);
  await page.goto(`${SHOP}/checkout/`);
  if (!signedIn) await signIn(page, SHOPPER.email, SHOPPER.password);
  await page.waitForFunction(() => !document.querySelector('#checkout-breakdown')?.hidden);
}

/** Counts the card tokens Stripe.js asks for on `page`. */
function tokenRequests(page) {
  const seen = [];
  page.on('request', (r) => { if (/\/v1\/tokens\b/.test(r.url())) seen.push(r.url()); });
  return seen;
}

test('an address of spaces is refused beside each field, before the card is touched', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'walk-blank-address');
  const tokens = tokenRequests(page);
  await checkoutWith(page, [await cartLine('STA-001', 1)], { signedIn: false });
  await fillCheckout(page, { address: { name: '   ', line1: '  ', city: ' ', postal: '    ', country: 'FR' } });
  await page.click('#pay');
  await page.waitForSelector('#ship-name[aria-invalid="true"]');
  assert.equal(await text(page, '#ship-name-error'), 'Please enter your full name.');
  assert.equal(await text(page, '#ship-line1-error'), 'Please enter your address.');
  assert.equal(await text(page, '#ship-city-error'), 'Please enter your city.');
  assert.equal(await text(page, '#ship-postal-error'), 'Please enter your postal code.');
  assert.ok(await focused(page, '#ship-name'), 'focus is on the first field to fix');
  assert.equal(await visible(page, '#checkout-error'), false, 'no message above Pay');
  assert.equal(await text(page, '#checkout-status'), '', 'no "Checking your card…"');
  assert.deepEqual(tokens, [], 'the card was not tokenised');
  await shot('refused');
  await onPhone(page, () => shot('refused-phone'));
  // Typing a name clears its mark; the others stay marked.
  await page.fill('#ship-name', 'Ada Lovelace');
  assert.equal(await page.locator('#ship-name-error').count(), 0);
  assert.equal(await page.getAttribute('#ship-city', 'aria-invalid'), 'true');
  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});

test('Pay with empty card fields says so beside the card and Pay works again', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'walk-empty-card');
  await checkoutWith(page, [await cartLine('STA-001', 1)], { signedIn: false });
  await page.fill('#ship-name', 'Ada Lovelace');
  await page.fill('#ship-line1', '12 Rue de Rivoli');
  await page.fill('#ship-city', 'Paris');
  await page.fill('#ship-postal', '75001');
  await page.click('#pay');
  await page.waitForSelector('[data-testid="card-error"]:not([hidden])', { timeout: 10_000 });
  assert.equal(await text(page, '[data-testid="card-error"]'), 'Please enter your card details.');
  assert.equal(await text(page, '#checkout-status'), '', 'not "Checking your card…" for good');
  assert.equal(await page.locator('#pay').isDisabled(), false, 'Pay can be pressed again');
  assert.equal(await visible(page, '#checkout-error'), false, 'said beside the card, not above Pay');
  await shot('card-empty');
  await onPhone(page, () => shot('card-empty-phone'));
  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});

test('a cart changed in another tab is told as such, the summary follows it, and Pay pays what it shows', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'walk-other-tab');
  const notebook = await cartLine('STA-001', 1);
  const cards = await cartLine('STA-002', 1);
  await checkoutWith(page, [notebook], { signedIn: false });
  const before = await text(page, '#checkout-total');
  await fillCheckout(page);

  // Another tab of the same shopper adds an item.
  const other = await context.newPage();
  await other.goto(`${SHOP}/p/${cards.sku}/`);
  await other.waitForFunction(() => !document.querySelector('#add-to-cart')?.disabled);
  await other.click('#add-to-cart');
  await other.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '2');
  await other.close();

  // This tab says what happened and shows the new order before anything is paid.
  await page.waitForFunction(() => /another tab/.test(document.querySelector('#checkout-error')?.textContent ?? ''), null, { timeout: 10_000 });
  const told = await text(page, '#checkout-error');
  assert.ok(told.startsWith('Your cart changed in another tab'), told);
  assert.ok(!/price/i.test(told), `no price changed: ${told}`);
  await page.waitForFunction(() => document.querySelectorAll('#checkout-summary li').length === 2);
  const summary = await text(page, '#checkout-summary');
  assert.ok(summary.includes(notebook.name) && summary.includes(cards.name), summary);
  const after = await text(page, '#checkout-total');
  assert.notEqual(after, before);
  assert.equal(await text(page, '#pay'), `Pay ${after}`);
  assert.equal(await text(page, '#quote-status'), 'Updated: your cart changed in another tab.');
  await page.locator('#checkout-summary').scrollIntoViewIfNeeded();
  await shot('told-summary');
  await page.locator('#pay').scrollIntoViewIfNeeded();
  await shot('told');
  await onPhone(page, () => shot('told-phone'));

  // The other tab empties the cart, then fills it again: this tab follows both ways (an empty
  // or unpayable cart does not stop it from following).
  const saved = await page.evaluate((k) => localStorage.getItem(k), CART);
  const third = await context.newPage();
  await setCart(third, []);
  await page.waitForSelector('#checkout-empty:not([hidden])');
  assert.equal(await visible(page, '#pay'), false);
  await third.evaluate(([k, v]) => localStorage.setItem(k, v), [CART, saved]);
  await third.close();
  await page.waitForSelector('#checkout-breakdown:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#checkout-summary li').length === 2);
  assert.equal(await visible(page, '#checkout-empty'), false);
  assert.equal(await text(page, '#checkout-total'), after);
  await fillCheckout(page);

  // Pay now pays what is shown.
  await page.click('#pay');
  await page.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  await page.waitForSelector('#order-breakdown:not([hidden])');
  assert.equal(await text(page, '#order-total'), after);
  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});

test('the cart keeps keyboard focus through quantity edits, arrow keys and Remove', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'walk-cart-focus');
  const [a, b, c] = [await cartLine('STA-001', 1), await cartLine('STA-002', 1), await cartLine('TAB-002', 1)];
  await setCart(page, [a, b, c]);
  await page.goto(`${SHOP}/cart/`);
  await page.waitForLoadState('networkidle');
  const remove = (sku) => `li[data-sku="${sku}"] [data-testid="remove-line"]`;

  // A quantity typed, then Tab: focus goes on to the line's Remove button, as without a redraw.
  await page.focus(`#qty-${a.sku}`);
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '4');
  assert.ok(await focused(page, remove(a.sku)), 'focus on the same line\'s Remove');
  await shot('tab-after-quantity');

  // Arrow keys step the quantity, each step kept, and focus stays in the box.
  await page.focus(`#qty-${b.sku}`);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '6');
  assert.equal(await page.inputValue(`#qty-${b.sku}`), '3');
  assert.ok(await focused(page, `#qty-${b.sku}`), 'focus stays in the quantity box');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '5');
  assert.ok(await focused(page, `#qty-${b.sku}`));

  // Remove with Enter: focus goes to the next line's Remove, then the previous, then the heading.
  await page.focus(remove(a.sku));
  await page.keyboard.press('Enter');
  await page.waitForFunction((s) => !document.querySelector(`li[data-sku="${s}"]`), a.sku);
  assert.ok(await focused(page, remove(b.sku)), 'focus on the next line\'s Remove');
  await shot('after-remove');
  await onPhone(page, () => shot('after-remove-phone'));
  await page.focus(remove(c.sku));
  await page.keyboard.press('Enter');
  await page.waitForFunction((s) => !document.querySelector(`li[data-sku="${s}"]`), c.sku);
  assert.ok(await focused(page, remove(b.sku)), 'the last line removed: focus on the line before');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="cart-empty"]:not([hidden])');
  assert.ok(await focused(page, 'h1'), 'the cart emptied: focus on its heading');
  await shot('emptied');
  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});

test('the order page shows where the parcel goes and is titled by what it shows; the orders list says what was bought and when', async () => {
  const notebook = catalogue.find((p) => p.sku === 'STA-001');
  const paper = catalogue.find((p) => p.sku === 'STA-005');
  const bought = await buy(browser, [{ product: notebook, quantity: 2 }, { product: paper, quantity: 1 }]);
  assert.deepEqual(bought.problems, []);
  // A browser in the US: dates must not read as 11/28/2026.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'walk-order-page');
  await page.goto(`${SHOP}/checkout/done/?order=${bought.orderId}`);
  await signIn(page, SHOPPER.email, SHOPPER.password);
  await page.waitForFunction(() => document.querySelector('#status-heading')?.textContent === 'Order confirmed', null, { timeout: 30_000 });
  assert.equal(await page.title(), 'Order confirmed · Edge Shop');
  assert.equal(await text(page, '[data-testid="order-address"]'), 'Ada Lovelace\n12 Rue de Rivoli\n75001 Paris\nFrance');
  assert.equal(await text(page, '#shipping-to-title'), 'Shipping to');
  await shot('confirmed');
  await onPhone(page, () => shot('confirmed-phone'));
  await page.goto(`${SHOP}/checkout/done/?order=NOPE`);
  await page.waitForFunction(() => document.querySelector('#status-heading')?.textContent === 'Order not found');
  assert.equal(await page.title(), 'Order not found · Edge Shop');
  assert.equal(await visible(page, '[data-testid="order-shipping-to"]'), false);

  await page.goto(`${SHOP}/account/orders/`);
  const row = page.locator(`[data-testid="order-row"][data-order-id="${bought.orderId}"]`);
  await row.waitFor();
  assert.equal(await text(page, `[data-order-id="${bought.orderId}"] [data-testid="order-items"]`), `2 × ${notebook.name}, 1 more`);
  const order = await page.evaluate(async (id) => (await fetch(`/api/orders/${id}`)).json(), bought.orderId);
  const created = new Date(order.createdAt);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][created.getMonth()];
  assert.equal(await text(page, `[data-order-id="${bought.orderId}"] [data-testid="order-date"]`),
    `${created.getDate()} ${month} ${created.getFullYear()}`);
  await shot('orders');
  await onPhone(page, async () => {
    const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: window.innerWidth }));
    assert.ok(w.scroll <= w.window, `the orders list fits a phone: ${JSON.stringify(w)}`);
    await shot('orders-phone');
  });
  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});

test('"Sold out" is none left and "No longer available" is retired, everywhere; the header counts only what can be bought', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'walk-unavailable');
  const apron = await cartLine('KIT-003', 1); // none left
  const calendar = await cartLine('STA-009', 1); // retired
  const towel = await cartLine('KIT-010', 2);
  assert.equal(apron.stock, 0);
  await setCart(page, [apron, calendar, towel]);
  await page.goto(`${SHOP}/cart/`);
  await page.waitForSelector('[data-testid="cart-excluded"]:not([hidden])');
  assert.equal(await text(page, `li[data-sku="${apron.sku}"] [data-testid="line-unavailable"]`), 'Sold out: remove it to check out');
  assert.equal(await text(page, `li[data-sku="${calendar.sku}"] [data-testid="line-unavailable"]`), 'No longer available: remove it to check out');
  assert.equal(await text(page, '[data-testid="cart-excluded"]'),
    `${apron.name} is not counted in the total: sold out. ${calendar.name} is not counted in the total: no longer available.`);
  // The header: the two towels, not the apron or the calendar.
  assert.equal(await text(page, '#cart-count'), '2');
  await shot('cart');
  await onPhone(page, () => shot('cart-phone'));
  await page.goto(`${SHOP}/`);
  assert.equal(await text(page, '#cart-count'), '2', 'on every page');
  // The product pages say the same.
  for (const [p, badge] of [[apron, 'Sold out'], [calendar, 'No longer available']]) {
    await page.goto(`${SHOP}/p/${p.sku}/`);
    await page.waitForFunction((b) => document.querySelector('#stock-badge')?.textContent.trim() === b, badge);
  }
  // And the checkout, which the cart does not offer with them in it (opened by its address).
  await page.goto(`${SHOP}/checkout/`);
  await signIn(page, SHOPPER.email, SHOPPER.password);
  for (const [p, words] of [[apron, 'is sold out'], [calendar, 'is no longer available']]) {
    await setCart(page, [p, towel]);
    await page.goto(`${SHOP}/checkout/`);
    await page.waitForSelector('[data-testid="checkout-problem"]:not([hidden])');
    assert.equal(await text(page, '#checkout-problem-text'), `${p.name} ${words}. Please change your cart and come back.`);
  }
  await shot('checkout-retired');
  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});

test('a minimum price above the maximum says so and clears in one press', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page, errors } = await watchedPage(context);
  const shot = recorder(page, 'walk-price-filter');
  await page.goto(`${SHOP}/c/kitchen/`);
  const all = await text(page, '#list-summary');
  await page.fill('#filter-min', '40');
  await page.fill('#filter-max', '10');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /minimum price/.test(document.querySelector('#list-summary')?.textContent ?? ''));
  assert.equal(await text(page, '#list-summary'), 'The minimum price is above the maximum price, so no product can match.');
  assert.ok(await visible(page, '[data-testid="filter-reset"]'));
  await shot('crossed');
  await onPhone(page, () => shot('crossed-phone'));
  // A reload keeps it (the URL holds the filters), and the button clears both prices.
  await page.reload();
  await page.waitForFunction(() => /minimum price/.test(document.querySelector('#list-summary')?.textContent ?? ''));
  await page.click('[data-testid="filter-reset"]');
  await page.waitForFunction((t) => document.querySelector('#list-summary')?.textContent === t, all);
  assert.equal(await visible(page, '[data-testid="filter-reset"]'), false);
  assert.equal(new URL(page.url()).search, '');
  assert.ok(await focused(page, '#filter-min'));
  await shot('cleared');
  assert.deepEqual(errors, [], 'no JavaScript errors');
  await context.close();
});
