// The owner's back office as a person sees it: an order's details (what to pack, where it
// goes, where the money stands) against what the shopper bought; the product search keeps
// its filter on Enter and no admin page logs a console error (no inline handler for the CSP
// to block); the product forms say what cannot be done there; the audit trail reads as
// words and money; and at phone width no admin page is wider than the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { launch, recorder, signIn, eventually, problems, buy, SHOP, SHOPPER, OUTPUT, OWNER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
const PHONE = { width: 390, height: 844 };
const euro = (cents) => `€${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
let browser;

/** A whole-page screenshot under tests/output/back-office-pages/ (the step recorder's are the viewport only). */
async function wholePage(page, name) {
  const dir = `${OUTPUT}/back-office-pages`;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/** Today's UTC day, as the audit trail partitions it (yyyy-mm-dd). */
const utcDay = () => new Date().toISOString().slice(0, 10);

/**
 * The row of `day`'s audit trail (`/admin/audit/?day=`) matching `action` and `target`, loading
 * more of the day while the page offers it; null when the day has none.
 */
async function auditEntry(page, day, action, target) {
  await page.goto(`${SHOP}/admin/audit/?day=${day}`);
  assert.equal(await page.inputValue('#audit-day'), day, 'the trail opens on the day the link names');
  await page.waitForSelector('[data-testid="audit-row"], #audit-empty:not([hidden])');
  const row = page.locator('[data-testid="audit-row"]').filter({ hasText: action }).filter({ hasText: target });
  for (;;) {
    if (await row.count()) return row;
    const more = page.locator('#audit-more');
    if (!(await more.isVisible())) return null;
    const before = await page.locator('[data-testid="audit-row"]').count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="audit-row"]').length > n, before);
  }
}

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function ownerPage(context, path = '/admin/') {
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await page.goto(`${SHOP}${path}`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, OWNER.email, OWNER.password);
  return page;
}

/** Where buy (browser.mjs) ships to by default, as the order's details should show it. */
const ADDRESS = ['Ada Lovelace', '12 Rue de Rivoli', '75001 Paris', 'France'];


test('the owner opens an order and sees what to pack, where it goes and where the money stands', async () => {
  const pen = catalogue.find((p) => p.sku === 'STA-008');
  const glass = catalogue.find((p) => p.sku === 'TAB-005');
  assert.ok(pen && glass && pen.stock >= 2 && glass.stock >= 1, 'two products in stock');
  const { orderId, total } = await buy(browser, [{ product: pen, quantity: 2 }, { product: glass, quantity: 1 }]);
  assert.ok(orderId, 'the order has an id');

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ownerPage(context, '/admin/orders/');
  const seen = problems(page);
  const shot = recorder(page, 'back-office-order');
  // Confirmed and captured by order-events: then it can ship.
  const row = page.locator(`[data-testid="admin-order"][data-order-id="${orderId}"]`);
  const ready = await eventually(async () => {
    await page.goto(`${SHOP}/admin/orders/`);
    await page.waitForSelector('[data-testid="admin-order"], #orders-empty:not([hidden])');
    return (await row.locator('[data-testid="ship-order"]').count()) === 1;
  }, { tries: 40 });
  assert.ok(ready, `order ${orderId} is listed, confirmed and paid`);
  assert.match(await row.innerText(), /3 items/, 'the row says how many items');
  await shot('orders');

  // The id opens the details.
  const toggle = row.locator('[data-testid="order-toggle"]');
  assert.equal(await toggle.innerText(), orderId);
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  const detail = page.locator(`[data-testid="order-detail"][data-order-id="${orderId}"]`);
  await detail.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const shown = await detail.locator('[data-testid="order-line"]').evaluateAll((rows) => rows.map((r) =>
    Object.fromEntries(['line-name', 'line-sku', 'line-quantity', 'line-unit-price', 'line-total']
      .map((k) => [k, r.querySelector(`[data-testid="${k}"]`).textContent]))));
  const bought = [{ product: pen, quantity: 2 }, { product: glass, quantity: 1 }];
  assert.deepEqual(shown.sort((a, b) => a['line-sku'].localeCompare(b['line-sku'])),
    bought.map(({ product, quantity }) => ({
      'line-name': product.name, 'line-sku': product.sku, 'line-quantity': String(quantity),
      'line-unit-price': euro(product.price.amount), 'line-total': euro(product.price.amount * quantity),
    })).sort((a, b) => a['line-sku'].localeCompare(b['line-sku'])), 'the items as bought');
  const subtotal = bought.reduce((s, l) => s + l.product.price.amount * l.quantity, 0);
  assert.equal(await detail.locator('[data-testid="order-subtotal"]').innerText(), euro(subtotal));
  assert.equal(await detail.locator('[data-testid="order-total"]').innerText(), total, 'the total the shopper paid');
  const shipping = await detail.locator('[data-testid="order-shipping"]').innerText();
  const cents = (t) => Math.round(Number(t.replace(/[^0-9.]/g, '')) * 100);
  assert.equal(cents(total), subtotal + cents(shipping), 'total = items + shipping');
  const shipTo = await detail.locator('[data-testid="order-address"]').innerText();
  for (const part of ADDRESS) {
    assert.ok(shipTo.includes(part), `the address shows ${part}: ${shipTo}`);
  }
  assert.equal(await detail.locator('[data-testid="order-email"]').innerText(), SHOPPER.email);
  // The address is encoded: one that holds `?cc=` or `,` adds no recipient.
  assert.equal(await detail.locator('[data-testid="order-email"]').getAttribute('href'), `mailto:${encodeURIComponent(SHOPPER.email)}`);
  assert.match(await detail.locator('[data-testid="order-payment"]').innerText(), new RegExp(`^Paid: ${total.replace('.', '\\.')} captured`));
  assert.equal(await detail.locator('[data-testid="order-shipping-state"]').innerText(), 'Not shipped yet');
  assert.match(await detail.locator('[data-testid="order-emails"]').innerText(), /confirmation sent/);
  await shot('order-details');
  await wholePage(page, 'desktop-order-details');

  // Shipping keeps the details open and current.
  await row.locator('[data-testid="tracking-input"]').fill('LY-123-FR');
  await row.locator('[data-testid="ship-order"]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="admin-order"][data-order-id="${id}"] [data-testid="order-status"]`)?.textContent === 'shipped', orderId);
  assert.equal(await detail.locator('[data-testid="order-shipping-state"]').innerText(), 'Shipped, tracking LY-123-FR');
  assert.equal(await detail.locator('[data-testid="order-tracking"]').innerText(), 'LY-123-FR');
  await shot('order-shipped');
  // The shipping notice goes out (order-events records it): reopening the order shows it.
  const noticeSent = await eventually(async () => {
    await row.locator('[data-testid="order-toggle"]').click();
    await detail.waitFor({ state: 'detached' });
    await row.locator('[data-testid="order-toggle"]').click();
    await detail.waitFor();
    return /shipping notice sent/.test(await detail.locator('[data-testid="order-emails"]').innerText());
  }, { tries: 30 });
  assert.ok(noticeSent, 'the owner sees the shipping notice was sent');

  // A refund: the payment line says so, the shipping line says it had shipped, and the audit
  // trail shows the amount as money.
  const refundDay = utcDay();
  await row.locator('[data-testid="refund-order"]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="admin-order"][data-order-id="${id}"] [data-testid="order-status"]`)?.textContent === 'refunded', orderId);
  assert.match(await detail.locator('[data-testid="order-payment"]').innerText(), new RegExp(`^Refunded: ${total.replace('.', '\\.')}`));
  assert.equal(await detail.locator('[data-testid="order-shipping-state"]').innerText(), 'Refunded after shipping, tracking LY-123-FR');
  await shot('order-refunded-after-shipping');
  // Closed again by its id.
  await row.locator('[data-testid="order-toggle"]').click();
  await detail.waitFor({ state: 'detached' });

  // The day the refund was asked for, or the next one if it crossed midnight UTC on the way.
  let refundRow = null;
  for (const day of new Set([refundDay, utcDay()])) {
    refundRow = await auditEntry(page, day, 'order.refund', orderId);
    if (refundRow) break;
  }
  assert.ok(refundRow, `the refund of ${orderId} is in the audit trail of ${refundDay} or the day after`);
  const refundDetail = await refundRow.locator('[data-testid="audit-detail"]').innerText();
  assert.match(refundDetail, new RegExp(`Amount\\s+${total.replace('.', '\\.')}`), `money with its currency: ${refundDetail}`);
  assert.match(refundDetail, /Stripe refund\s+re_/);
  const all = await page.locator('[data-testid="audit-detail"]').allInnerTexts();
  assert.ok(all.every((t) => !/\{"|":/.test(t)), `no raw JSON in the audit trail: ${all.join(' | ')}`);
  await shot('audit-readable');
  await wholePage(page, 'desktop-audit');

  // The entry links to the order: that order alone, its details open.
  await refundRow.locator('[data-testid="audit-target"]').click();
  await page.waitForURL((u) => u.pathname === '/admin/orders/' && u.searchParams.get('order') === orderId);
  const linked = page.locator(`[data-testid="order-detail"][data-order-id="${orderId}"]`);
  await linked.waitFor();
  assert.equal(await page.locator('[data-testid="admin-order"]').count(), 1);
  assert.equal(await page.inputValue('#order-status-filter'), 'refunded');
  assert.match(await linked.locator('[data-testid="order-payment"]').innerText(), /^Refunded/);
  // Later too (the shipping notice recorded by now or not), it says it shipped before the refund.
  assert.equal(await linked.locator('[data-testid="order-shipping-state"]').innerText(), 'Refunded after shipping, tracking LY-123-FR');
  assert.equal(await linked.locator('[data-testid="line-sku"]').count(), 2);
  await shot('order-from-audit');

  // A link that does not name an order: said so, its text never shown, the list instead.
  const bogus = 'Call 555-0100 to confirm your refund';
  await page.goto(`${SHOP}/admin/orders/?order=${encodeURIComponent(bogus)}`);
  const error = page.locator('[data-testid="admin-error"]');
  await error.waitFor();
  assert.match(await error.innerText(), /does not name an order/);
  await page.waitForSelector('[data-testid="admin-order"], #orders-empty:not([hidden])');
  assert.ok(!(await page.locator('main').innerText()).includes('555-0100'), 'the link\'s text is not echoed');
  assert.equal(new URL(page.url()).searchParams.get('order'), null, 'the address no longer holds it');
  assert.equal(await page.locator('[data-testid="order-detail"]').count(), 0);
  await shot('order-link-invalid');
  // An order number typed in lower case still opens that order.
  await page.goto(`${SHOP}/admin/orders/?order=${orderId.toLowerCase()}`);
  await page.locator(`[data-testid="order-detail"][data-order-id="${orderId}"]`).waitFor();
  assert.equal(await page.locator('[data-testid="admin-error"]').isVisible(), false);
  assert.deepEqual(seen, [], 'no console errors on the orders and audit pages');
  await context.close();
});

test('the product pages: Enter keeps the search, no console errors, forms say what cannot be done there', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ownerPage(context);
  const seen = problems(page);
  const shot = recorder(page, 'back-office-products');
  // A fresh load: the first one after sign-in is the one the CSP once complained on.
  await page.goto(`${SHOP}/admin/`);
  await page.waitForSelector('[data-testid="admin-product"]');

  const product = catalogue.find((p) => p.sku === 'STA-003');
  const word = product.name.split(' ').at(-1);
  await page.fill('#product-search', word);
  await page.press('#product-search', 'Enter');
  await page.waitForFunction((w) => new URL(location.href).searchParams.get('q') === w, word);
  await page.waitForFunction((w) => {
    const names = [...document.querySelectorAll('[data-testid="admin-product"] td:nth-child(2)')].map((c) => c.textContent.toLowerCase());
    return names.length > 0 && names.every((n) => n.includes(w.toLowerCase()));
  }, word);
  // Still the same page (no form submission reloaded it), the filter kept.
  await page.waitForTimeout(500);
  assert.equal(new URL(page.url()).pathname, '/admin/');
  assert.equal(await page.inputValue('#product-search'), word, 'the search box keeps the word');
  assert.ok((await page.locator('[data-testid="admin-product"]').count()) >= 1);
  await shot('search-enter');
  await wholePage(page, 'desktop-products-search');

  // The edit form: stock is visibly read-only and says where it changes.
  await page.goto(`${SHOP}/admin/products/edit/?sku=${product.sku}`);
  await page.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  assert.equal(await page.locator('#p-stock').getAttribute('readonly'), '');
  const hint = page.locator('[data-testid="stock-hint"]');
  assert.ok(await hint.isVisible(), 'a visible hint says where stock is changed');
  assert.match(await hint.innerText(), /product table/);
  assert.equal(await hint.locator('a').getAttribute('href'), `/admin/?q=${product.sku}`);
  const look = (sel) => page.locator(sel).evaluate((e) => {
    const s = getComputedStyle(e);
    return { bg: s.backgroundColor, border: s.borderStyle, font: s.fontFamily, size: s.fontSize, left: e.getBoundingClientRect().left };
  });
  const stock = await look('#p-stock');
  const name = await look('#p-name');
  assert.notEqual(stock.bg, name.bg, 'the read-only field does not look like an editable one');
  // The description is written in the page's font, and the fields line up.
  const description = await look('#p-description');
  assert.equal(description.font, name.font);
  assert.equal(description.size, name.size);
  const lefts = await page.locator('#product-form .field > input, #product-form .field > textarea')
    .evaluateAll((fields) => fields.map((f) => Math.round(f.getBoundingClientRect().left)));
  assert.equal(new Set(lefts).size, 1, `the fields start at one edge: ${lefts}`);
  assert.ok(await page.locator('[data-testid="upload-image"]').isEnabled(), 'an existing product takes photos');
  await shot('edit-form');
  await wholePage(page, 'desktop-edit-form');

  // The new-product form offers no upload that cannot work, and says why.
  await page.goto(`${SHOP}/admin/products/new/`);
  await page.waitForSelector('#product-form');
  assert.ok(await page.locator('[data-testid="upload-image"]').isDisabled());
  assert.ok(await page.locator('[data-testid="image-file"]').isDisabled());
  const why = page.locator('[data-testid="upload-hint"]');
  assert.ok(await why.isVisible());
  assert.match(await why.innerText(), /Save the product first/);
  assert.equal(await page.locator('#p-stock').getAttribute('readonly'), null, 'a new product takes its first stock here');
  await shot('new-form');
  await wholePage(page, 'desktop-new-form');

  await page.goto(`${SHOP}/admin/staff/`);
  await page.waitForSelector('[data-testid="staff-row"]');
  assert.deepEqual(seen, [], 'no console errors (no CSP violation) on the admin pages');
  await context.close();
});

test('at phone width no admin page is wider than the screen', async () => {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await ownerPage(context);
  const seen = problems(page);
  const dir = `${OUTPUT}/back-office-phone`;
  mkdirSync(dir, { recursive: true });
  const pages = [
    ['products', '/admin/', '[data-testid="admin-product"]'],
    ['new-product', '/admin/products/new/', '#product-form'],
    ['edit-product', '/admin/products/edit/?sku=STA-003', '#p-stock-link[href$="STA-003"]'],
    ['orders', '/admin/orders/?status=refunded', '[data-testid="admin-order"], #orders-empty:not([hidden])'],
    ['staff', '/admin/staff/', '[data-testid="staff-row"]'],
    ['audit', '/admin/audit/', '[data-testid="audit-row"], #audit-empty:not([hidden])'],
  ];
  for (const [name, path, ready] of pages) {
    await page.goto(`${SHOP}${path}`);
    await page.waitForSelector(ready);
    if (name === 'orders' && await page.locator('[data-testid="order-toggle"]').count()) {
      await page.locator('[data-testid="order-toggle"]').first().click();
      await page.waitForSelector('[data-testid="order-detail"]');
    }
    // Against the screen's width, not innerWidth: a phone zooms out to a page wider than its screen.
    const doc = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
    assert.ok(doc <= PHONE.width, `${path} is ${doc} px wide on a ${PHONE.width} px screen`);
  }
  // Every button of the product table is on screen (none cut off at the right edge).
  await page.goto(`${SHOP}/admin/`);
  await page.waitForSelector('[data-testid="admin-product"]');
  const cut = await page.locator('[data-testid="admin-product"] button').evaluateAll((buttons, w) =>
    buttons.filter((b) => b.getBoundingClientRect().right > w).map((b) => b.textContent), PHONE.width);
  assert.deepEqual(cut, [], 'no button beyond the right edge');
  assert.deepEqual(seen, [], 'no console errors');
  await context.close();
});
