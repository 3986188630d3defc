// Refunds and stock, as the owner and a shopper see them: refunding an order that never
// shipped offers to put its items back in stock (the box is ticked), and once order-events has
// done so the back office's product table and the shop's product page show the units for sale
// again; refunding a shipped order leaves the box unticked and the stock as it was. The refund
// control and the order's details fit a 390 px phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, eventually, problems, buy, SHOP, OUTPUT, OWNER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
const PHONE = { width: 390, height: 844 };
// Products no other journey buys: what they show depends on this journey alone.
const GRINDER = catalogue.find((p) => p.sku === 'KIT-009');
const FEEDER = catalogue.find((p) => p.sku === 'GAR-006');
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


/** The shopper buys `quantity` of `product` with a test card; answers the order id. */
async function orderOf(product, quantity) {
  const { orderId } = await buy(browser, [{ product, quantity }]);
  assert.ok(orderId, 'the order has an id');
  return orderId;
}

/** The owner, signed in on `path`; every dialog's text is kept in `page.dialogs` and accepted. */
async function ownerPage(context, path) {
  const page = await context.newPage();
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.accept(); });
  await page.goto(`${SHOP}${path}`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, OWNER.email, OWNER.password);
  return page;
}

/** The order's row once `button` (a test id) is offered on it: order-events confirmed and captured it. */
async function orderRow(page, orderId, button) {
  const row = page.locator(`[data-testid="admin-order"][data-order-id="${orderId}"]`);
  const ready = await eventually(async () => {
    await page.goto(`${SHOP}/admin/orders/`);
    await page.waitForSelector('[data-testid="admin-order"], #orders-empty:not([hidden])');
    return (await row.locator(`[data-testid="${button}"]`).count()) === 1;
  }, { tries: 40 });
  assert.ok(ready, `order ${orderId} is listed with ${button}`);
  return row;
}

/** Opens (or re-opens, to read it afresh) the order's details; answers them. */
async function details(page, row, orderId) {
  const detail = page.locator(`[data-testid="order-detail"][data-order-id="${orderId}"]`);
  const toggle = row.locator('[data-testid="order-toggle"]');
  if (await detail.count()) {
    await toggle.click();
    await detail.waitFor({ state: 'detached' });
  }
  await toggle.click();
  await detail.waitFor();
  return detail;
}

/** The stock the back office's product table shows for `sku` (searched by its code). */
async function adminStock(page, sku) {
  await page.goto(`${SHOP}/admin/?q=${sku}`);
  const input = page.locator(`[data-testid="admin-product"][data-sku="${sku}"] [data-testid="stock-input"]`);
  await input.waitFor();
  return Number(await input.inputValue());
}

/** What the shop's product page says about `sku` once live stock has answered: badge and button. */
async function productPage(page, sku) {
  await page.goto(`${SHOP}/p/${sku}/`);
  await page.waitForFunction(() => {
    const b = document.querySelector('#stock-badge');
    return b && !b.className.includes('badge-pending') && b.textContent.trim() !== '';
  });
  // The button follows the badge in the same overlay step.
  await page.waitForFunction(() => document.querySelector('#add-to-cart')?.textContent.trim() !== '');
  return {
    badge: (await page.locator('#stock-badge').innerText()).trim(),
    canAdd: await page.locator('#add-to-cart').isEnabled(),
  };
}

test('a refunded order that never shipped goes back on the shelf, and the shop sells it again', async () => {
  assert.equal(GRINDER.stock, 2, 'the demo has two grinders');
  const orderId = await orderOf(GRINDER, 2);

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const shopper = await context.newPage();
  const seenShop = problems(shopper);
  const shopShot = recorder(shopper, 'refund-restock-shop');
  // Both grinders sold: the product page says so.
  const soldOut = await eventually(async () => (await productPage(shopper, GRINDER.sku)).badge === 'Sold out', { tries: 20 });
  assert.ok(soldOut, 'the product page says Sold out after the sale');
  assert.equal((await productPage(shopper, GRINDER.sku)).canAdd, false);
  await shopShot('sold-out');

  const page = await ownerPage(context, '/admin/orders/');
  const seen = problems(page);
  const shot = recorder(page, 'refund-restock');
  assert.equal(await adminStock(page, GRINDER.sku), 0, 'the product table shows none left');
  const row = await orderRow(page, orderId, 'refund-order');
  let detail = await details(page, row, orderId);
  assert.equal(await detail.locator('[data-testid="order-stock"]').innerText(), 'Taken from stock');
  // Two grinders ship free: the owner reads it as the shopper did.
  assert.equal(await detail.locator('[data-testid="order-shipping"]').innerText(), 'Free');
  // Not shipped: the refund offers to put the items back, ticked.
  const box = row.locator('[data-testid="restock-input"]');
  assert.equal(await box.isChecked(), true, 'ticked for an order that has not shipped');
  assert.ok(await row.getByLabel('Put the items back in stock').isVisible(), 'the box says what it does');
  await row.screenshot({ path: `${OUTPUT}/refund-restock/refund-control-unshipped.png` });
  await shot('refund-control');

  await row.locator('[data-testid="refund-order"]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="admin-order"][data-order-id="${id}"] [data-testid="order-status"]`)?.textContent === 'refunded', orderId);
  assert.match(page.dialogs.at(-1), /and put the items back in stock\?/, 'the confirmation says the items go back');
  assert.match(await page.locator('#admin-status').innerText(), /refunded; its items go back in stock/);
  await shot('refunded');

  // order-events puts them back: the details say so once done.
  const putBack = await eventually(async () => {
    detail = await details(page, row, orderId);
    return (await detail.locator('[data-testid="order-stock"]').innerText()) === 'Put back in stock after the refund';
  }, { tries: 30 });
  assert.ok(putBack, 'the order details say the stock was put back');
  assert.match(await detail.locator('[data-testid="order-payment"]').innerText(), /^Refunded/);
  await detail.screenshot({ path: `${OUTPUT}/refund-restock/details-after.png` });
  await shot('details-after');

  // The owner's product table and the shop's product page show both grinders for sale again.
  assert.equal(await adminStock(page, GRINDER.sku), 2, 'the product table shows both back');
  await shot('admin-stock-back');
  const onSale = await eventually(async () => (await productPage(shopper, GRINDER.sku)).badge === 'Only 2 left', { tries: 20 });
  assert.ok(onSale, 'the product page offers the two grinders again');
  assert.equal((await productPage(shopper, GRINDER.sku)).canAdd, true, 'Add to cart is back');
  await shopShot('for-sale-again');

  // The audit trail says the choice in words.
  await page.goto(`${SHOP}/admin/audit/`);
  const entry = page.locator('[data-testid="audit-row"]').filter({ hasText: 'order.refund' }).filter({ hasText: orderId });
  await entry.waitFor();
  assert.match(await entry.locator('[data-testid="audit-detail"]').innerText(), /Items back in stock\s+yes/);
  await shot('audit');
  assert.deepEqual(seen, [], 'no console errors in the back office');
  assert.deepEqual(seenShop, [], 'no console errors on the product page');
  await context.close();
});

test('a refunded order that had shipped keeps the stock as it was (on a phone)', async () => {
  assert.ok(FEEDER.stock >= 2, 'the demo has bird feeders');
  const orderId = await orderOf(FEEDER, 1);
  const left = FEEDER.stock - 1;

  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await ownerPage(context, '/admin/orders/');
  const seen = problems(page);
  const shot = recorder(page, 'refund-no-restock');
  let row = await orderRow(page, orderId, 'ship-order');
  await row.locator('[data-testid="tracking-input"]').fill('BIRD-1');
  await row.locator('[data-testid="ship-order"]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="admin-order"][data-order-id="${id}"] [data-testid="order-status"]`)?.textContent === 'shipped', orderId);
  row = page.locator(`[data-testid="admin-order"][data-order-id="${orderId}"]`);

  // Shipped: the goods are with the customer, so the box is offered unticked.
  const box = row.locator('[data-testid="restock-input"]');
  assert.equal(await box.isChecked(), false, 'unticked for a shipped order');
  await row.locator('[data-testid="refund-order"]').scrollIntoViewIfNeeded();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `the orders page is ${width} px wide on a ${PHONE.width} px screen`);
  const control = await row.locator('.refund-control').boundingBox();
  assert.ok(control && control.x >= 0 && control.x + control.width <= PHONE.width, `the refund control is on screen: ${JSON.stringify(control)}`);
  await row.screenshot({ path: `${OUTPUT}/refund-no-restock/refund-control-shipped-phone.png` });
  await shot('refund-control');

  await row.locator('[data-testid="refund-order"]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="admin-order"][data-order-id="${id}"] [data-testid="order-status"]`)?.textContent === 'refunded', orderId);
  assert.doesNotMatch(page.dialogs.at(-1), /back in stock/, 'the confirmation promises no restock');
  assert.match(await page.locator('#admin-status').innerText(), /its items were not put back in stock/);

  // Once order-events has sent the refund notice (so it has seen the refund), the details say
  // the stock was not put back, and the product table and page still show one fewer.
  let detail;
  const settled = await eventually(async () => {
    detail = await details(page, row, orderId);
    return /refund notice sent/.test(await detail.locator('[data-testid="order-emails"]').innerText());
  }, { tries: 30 });
  assert.ok(settled, 'the refund notice went out');
  assert.equal(await detail.locator('[data-testid="order-stock"]').innerText(), 'Not put back in stock');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= PHONE.width, `the order's details are ${wide} px wide on a ${PHONE.width} px screen`);
  await page.screenshot({ path: `${OUTPUT}/refund-no-restock/details-after-phone.png`, fullPage: true });
  await shot('details-after');

  assert.equal(await adminStock(page, FEEDER.sku), left, 'the product table shows the stock as it was');
  const shown = await productPage(page, FEEDER.sku);
  assert.equal(shown.badge, `Only ${left} left`);
  await shot('product-page');
  assert.deepEqual(seen, [], 'no console errors');
  await context.close();
});

test('a refund pressed on a row that went stale refunds nothing until the owner has seen the change', async () => {
  // The last bird feeder (the test above sold one of two).
  const orderId = await orderOf(FEEDER, 1);
  // A small laptop's window: between the phone layout and a wide screen.
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  const page = await ownerPage(context, '/admin/orders/');
  const seen = problems(page);
  const shot = recorder(page, 'refund-stale');
  const row = await orderRow(page, orderId, 'refund-order');
  assert.equal(await row.locator('[data-testid="restock-input"]').isChecked(), true, 'offered back to stock while unshipped');
  // The order's actions are in view, not beyond the table's edge.
  for (const id of ['ship-order', 'refund-order']) {
    const box = await row.locator(`[data-testid="${id}"]`).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 900 - 16, `${id} is on screen at 900 px: ${JSON.stringify(box)}`);
  }

  // Meanwhile, in another tab, the parcel leaves.
  const other = await context.newPage();
  const otherRow = await orderRow(other, orderId, 'ship-order');
  await otherRow.locator('[data-testid="ship-order"]').click();
  await other.waitForFunction((id) => document.querySelector(`[data-testid="admin-order"][data-order-id="${id}"] [data-testid="order-status"]`)?.textContent === 'shipped', orderId);
  await other.close();

  // The first tab still shows it unshipped, box ticked: Refund shows the change instead.
  const dialogs = page.dialogs.length;
  await row.locator('[data-testid="refund-order"]').click();
  await page.waitForFunction(() => /changed meanwhile/.test(document.querySelector('#admin-status')?.textContent ?? ''));
  assert.match(await page.locator('#admin-status').innerText(), /it is shipped now\): nothing was refunded/);
  assert.equal(page.dialogs.length, dialogs, 'no refund was offered for confirmation');
  const now = page.locator(`[data-testid="admin-order"][data-order-id="${orderId}"]`);
  assert.equal(await now.locator('[data-testid="order-status"]').innerText(), 'shipped');
  assert.equal(await now.locator('[data-testid="restock-input"]').isChecked(), false, 'shipped: offered unticked');
  await shot('stale-row-shown');

  // Refunded as now offered: the goods are with the customer, none go back on the shelf.
  await now.locator('[data-testid="refund-order"]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="admin-order"][data-order-id="${id}"] [data-testid="order-status"]`)?.textContent === 'refunded', orderId);
  assert.match(await page.locator('#admin-status').innerText(), /its items were not put back in stock/);
  const settled = await eventually(async () => {
    const detail = await details(page, now, orderId);
    return /refund notice sent/.test(await detail.locator('[data-testid="order-emails"]').innerText());
  }, { tries: 30 });
  assert.ok(settled, 'the refund notice went out');
  assert.equal(await adminStock(page, FEEDER.sku), 0, 'the shipped feeder did not come back');
  await shot('after');
  // Nothing failed on any of this journey's orders: the needing-attention view (every status's
  // orders with a refused capture, a failed restock or a rejected email) says so.
  await page.goto(`${SHOP}/admin/orders/`);
  await page.waitForSelector('#order-status-filter');
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/api/admin/orders?')) asked.push(new URL(r.url()).searchParams.get('status')); });
  await page.selectOption('#order-status-filter', 'attention');
  await page.waitForFunction(() => {
    const empty = document.querySelector('#orders-empty');
    return !empty.hidden && empty.textContent === 'No order needs your attention.';
  });
  assert.equal(await page.locator('[data-testid="admin-order"]').count(), 0, 'no order needs attention');
  for (const status of ['confirmed', 'shipped', 'refunded', 'cancelled']) {
    assert.ok(asked.includes(status), `the view looks at ${status} orders too: ${asked}`);
  }
  assert.deepEqual(seen, [], 'no console errors');
  await context.close();
});
