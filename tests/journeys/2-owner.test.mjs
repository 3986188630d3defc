// The owner's journey: sign in as admin, change a price (the catalogue
// publisher re-renders the page from the table's stream), ship an order
// (order-events sends the "shipped" email). Runs after the shopper's journey,
// whose order it ships.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, emailsTo, eventually, SHOP, OWNER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the owner changes a price and ships an order', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept());
  const shot = recorder(page, 'owner');

  // The back office needs the admin group: hosted login, then back to /admin/.
  await page.goto(`${SHOP}/admin/`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, OWNER.email, OWNER.password);
  assert.equal(new URL(page.url()).pathname, '/admin/');
  await page.waitForSelector('[data-testid="admin-product"]');
  await shot('products');

  // Change a price in the product form.
  const product = catalogue.find((p) => p.status === 'active' && p.price.currency === 'EUR' && p.stock > 0 && p.stock < 5);
  assert.ok(product, 'a product to reprice');
  const newPrice = ((product.price.amount + 123) / 100).toFixed(2);
  await page.goto(`${SHOP}/admin/products/edit/?sku=${product.sku}`);
  await page.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  await page.fill('#p-price', newPrice);
  await page.click('#p-save');
  await page.waitForFunction(() => (document.querySelector('#admin-status')?.textContent ?? '').trim().length > 0);
  assert.equal((await page.locator('#admin-error').innerText().catch(() => '')).trim(), '');
  await shot('price-saved');

  // The static product page shows it once the publisher has re-rendered it.
  const shown = await eventually(async () => {
    const html = await (await fetch(`${SHOP}/p/${product.sku}/`)).text();
    return html.includes(newPrice);
  });
  assert.ok(shown, `the product page shows the new price ${newPrice}`);
  await page.goto(`${SHOP}/p/${product.sku}/`);
  assert.ok((await page.locator('#price').innerText()).includes(newPrice));
  await shot('product-new-price');

  // Ship the shopper's confirmed order.
  await page.goto(`${SHOP}/admin/orders/`);
  const row = page.locator('[data-testid="admin-order"]').first();
  await row.waitFor();
  const orderId = await row.getAttribute('data-order-id');
  assert.ok(orderId, 'a confirmed order to ship');
  await row.locator('[data-testid="tracking-input"]').fill('TRACK-123');
  await row.locator('[data-testid="ship-order"]').click();
  await page.waitForFunction(() => (document.querySelector('#admin-status')?.textContent ?? '').trim().length > 0);
  await shot('order-shipped');

  const shipped = await eventually(async () => {
    const mails = await emailsTo('shopper@example.com');
    return mails.find((e) => e.subject.toLowerCase().includes('shipped') && e.body.text.includes('TRACK-123'));
  });
  assert.ok(shipped, 'the shopper got the "shipped" email with the tracking reference');

  // Both changes are in today's audit trail, with who made them.
  await page.goto(`${SHOP}/admin/audit/`);
  await page.waitForFunction((id) => {
    const rows = [...document.querySelectorAll('[data-testid="audit-row"]')].map((r) => r.textContent);
    return rows.some((t) => t.includes('order.ship') && t.includes(id)) && rows.some((t) => t.includes('product.update'));
  }, orderId);
  await shot('audit-trail');
  await context.close();
});

test('a shopper cannot open the back office', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const res = await page.goto(`${SHOP}/admin/`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, 'shopper@example.com', 'Shopper-Passw0rd!');
  const body = await page.locator('body').innerText();
  assert.ok(res, 'navigated');
  assert.ok(/403|not allowed|forbidden|staff/i.test(body), `a refusal page, got: ${body.slice(0, 200)}`);
  const api = await page.evaluate(async () => (await fetch('/api/admin/products')).status);
  assert.equal(api, 403);
  await context.close();
});
