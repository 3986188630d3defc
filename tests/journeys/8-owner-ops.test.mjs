// The owner's operations that once stopped the shop or kept rights they should not:
// retiring and restoring a product (its audit item once wedged the local stream: no order
// was confirmed after it), and revoking an admin (their token kept the back office open).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, emailsTo, eventually, fillCheckout, SHOP, OWNER, SHOPPER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The text of the public product page's availability badge, as served now. */
async function publicBadge(sku) {
  const html = await (await fetch(`${SHOP}/p/${sku}/`)).text();
  const m = /id="stock-badge"[^>]*>([^<]*)</.exec(html);
  return m ? m[1].trim() : '';
}

async function ownerPage(context) {
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  await page.goto(`${SHOP}/admin/`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, OWNER.email, OWNER.password);
  await page.waitForSelector('[data-testid="admin-product"]');
  return page;
}

test('retire and restore reach the public page, and orders still flow after them', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  const page = await ownerPage(context);
  page.on('pageerror', (e) => errors.push(String(e)));
  const shot = recorder(page, 'owner-retire');

  // A product on the first page of the back office that no other journey buys.
  const skus = await page.locator('[data-testid="admin-product"]').evaluateAll(
    (rows) => rows.filter((r) => r.querySelector('[data-testid="product-status"]')?.textContent === 'active')
      .map((r) => r.dataset.sku));
  const target = catalogue.find((p) => skus.includes(p.sku) && p.stock > 0 && p.featured);
  assert.ok(target, 'an active product to retire');
  const row = page.locator(`[data-testid="admin-product"][data-sku="${target.sku}"]`);
  await row.locator('[data-testid="toggle-status"]').click();
  await page.waitForFunction((sku) => document.querySelector(`[data-sku="${sku}"] [data-testid="product-status"]`)?.textContent === 'retired', target.sku);
  await shot('retired-in-back-office');
  const retired = await eventually(async () => /no longer available/i.test(await publicBadge(target.sku)), { tries: 40 });
  assert.ok(retired, `the public page of ${target.sku} says it is no longer available`);
  await page.goto(`${SHOP}/p/${target.sku}/`);
  assert.equal(await page.locator('#add-to-cart').isDisabled(), true, 'a retired product cannot be added');
  await shot('retired-public-page');

  await page.goto(`${SHOP}/admin/`);
  await page.waitForSelector(`[data-testid="admin-product"][data-sku="${target.sku}"]`);
  await page.locator(`[data-testid="admin-product"][data-sku="${target.sku}"] [data-testid="toggle-status"]`).click();
  await page.waitForFunction((sku) => document.querySelector(`[data-sku="${sku}"] [data-testid="product-status"]`)?.textContent === 'active', target.sku);
  const restored = await eventually(async () => !/no longer available/i.test(await publicBadge(target.sku)), { tries: 40 });
  assert.ok(restored, `the public page of ${target.sku} is back on sale`);

  // The stream still flows: a shopper buys the restored product and is confirmed and emailed.
  const shopperContext = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const buyer = await shopperContext.newPage();
  buyer.on('pageerror', (e) => errors.push(String(e)));
  const before = (await emailsTo(SHOPPER.email)).filter((e) => e.subject.toLowerCase().includes('confirm')).length;
  await buyer.goto(`${SHOP}/p/${target.sku}/`);
  await buyer.waitForFunction(() => !document.querySelector('#add-to-cart')?.disabled);
  await buyer.click('#add-to-cart');
  await buyer.waitForFunction(() => Number(document.querySelector('#cart-count')?.textContent.trim()) >= 1);
  await buyer.goto(`${SHOP}/checkout/`);
  await buyer.waitForSelector('input[name="username"]');
  await signIn(buyer, SHOPPER.email, SHOPPER.password);
  await buyer.waitForSelector('#checkout-form');
  await fillCheckout(buyer, {
    address: { name: 'Grace Hopper', line1: '1 Main Street', city: 'Lyon', postal: '69001', country: 'FR' },
  });
  await buyer.click('#pay');
  await buyer.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  const confirmed = await eventually(async () => {
    const mails = (await emailsTo(SHOPPER.email)).filter((e) => e.subject.toLowerCase().includes('confirm'));
    return mails.length > before && mails.some((m) => m.body.text.includes(target.name));
  });
  assert.ok(confirmed, 'the order after the retire/restore is confirmed and emailed');
  await buyer.screenshot({ path: 'tests/output/owner-retire/zz-bought-after-restore.png' });
  assert.deepEqual(errors, [], 'no uncaught errors in the pages');
  await shopperContext.close();
  await context.close();
});

test('a revoked admin is refused at their next call, though their token still says admin', async () => {
  const ownerContext = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const owner = await ownerPage(ownerContext);
  const shot = recorder(owner, 'owner-revoke');
  await owner.goto(`${SHOP}/admin/staff/`);
  const staffRow = owner.locator('[data-testid="staff-row"]', { hasText: SHOPPER.email });
  await staffRow.waitFor();
  await staffRow.locator('[data-testid="grant-admin"]').click();
  await owner.waitForFunction((email) => [...document.querySelectorAll('[data-testid="staff-row"]')]
    .some((r) => r.textContent.includes(email) && r.querySelector('[data-testid="staff-admin"]')?.textContent === 'yes'), SHOPPER.email);
  await shot('granted');

  // The shopper signs in again and gets a token in the admin group.
  const staffContext = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const staff = await staffContext.newPage();
  await staff.goto(`${SHOP}/admin/`);
  await staff.waitForSelector('input[name="username"]');
  await signIn(staff, SHOPPER.email, SHOPPER.password);
  await staff.waitForSelector('[data-testid="admin-product"]');
  assert.equal(await staff.evaluate(async () => (await fetch('/api/admin/products')).status), 200);

  const again = owner.locator('[data-testid="staff-row"]', { hasText: SHOPPER.email });
  await again.locator('[data-testid="revoke-admin"]').click();
  await owner.waitForFunction((email) => [...document.querySelectorAll('[data-testid="staff-row"]')]
    .some((r) => r.textContent.includes(email) && r.querySelector('[data-testid="staff-admin"]')?.textContent === 'no'), SHOPPER.email);
  await shot('revoked');

  // Same cookies, same token: the next admin call is refused (within the membership cache's
  // 30 s in any container; at once here, where the revoke happened).
  const refused = await eventually(async () =>
    (await staff.evaluate(async () => (await fetch('/api/admin/products')).status)) === 403, { tries: 70, delayMs: 1000 });
  assert.ok(refused, 'the revoked admin is refused');
  await staffContext.close();
  await ownerContext.close();
});

test('the back office lists search, filter and keep their filters in the URL', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ownerPage(context);
  const shot = recorder(page, 'owner-lists');
  const rows = () => page.locator('[data-testid="admin-product"]').evaluateAll((r) => r.map((x) => x.dataset.sku));
  const product = catalogue.find((p) => p.status === 'active' && p.name.split(' ').length > 1);
  const word = product.name.split(' ').at(-1);
  await page.fill('#product-search', word);
  await page.waitForFunction((w) => new URL(location.href).searchParams.get('q') === w, word);
  await page.waitForFunction((w) => {
    const names = [...document.querySelectorAll('[data-testid="admin-product"] td:nth-child(2)')].map((c) => c.textContent.toLowerCase());
    return names.length > 0 && names.every((n) => n.includes(w.toLowerCase()));
  }, word);
  const found = await rows();
  assert.ok(found.includes(product.sku), `${product.sku} found by "${word}": ${found}`);
  const expected = catalogue.filter((p) => `${p.name} ${p.sku} ${p.category}`.toLowerCase().includes(word.toLowerCase())).length;
  assert.equal(found.length, expected, 'exactly the products with that word');
  await shot('searched');
  await page.reload();
  await page.waitForSelector('[data-testid="admin-product"]');
  assert.equal(await page.inputValue('#product-search'), word, 'the search survives a reload');
  assert.deepEqual(await rows(), found);

  await page.fill('#product-search', '');
  await page.selectOption('#product-category', product.category);
  await page.waitForFunction((c) => new URL(location.href).searchParams.get('category') === c, product.category);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="admin-product"]').length > 0);
  const inCategory = await rows();
  const inCatalogue = catalogue.filter((p) => p.category === product.category).map((p) => p.sku);
  assert.ok(inCategory.every((s) => inCatalogue.includes(s)), `only ${product.category}: ${inCategory}`);
  await shot('by-category');

  await page.goto(`${SHOP}/admin/orders/?status=confirmed&from=2000-01-01&to=2000-01-02`);
  await page.waitForSelector('#orders-empty:not([hidden])');
  assert.equal(await page.inputValue('#order-from'), '2000-01-01');
  assert.equal(await page.locator('[data-testid="admin-order"]').count(), 0, 'no order from the year 2000');
  await shot('orders-by-day');
  await context.close();
});
