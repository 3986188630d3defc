// The back office keeps the owner from losing or breaking things without noticing (found by an
// exploratory walk as the owner): a stock count typed over a stale table is refused once a sale
// changed it; each refusal is a sentence naming the field, never a server's parse error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, buy, eventually, problems, SHOP } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
const OWNER = { email: 'owner@example.com', password: 'Owner-Passw0rd!' };
const product = (sku) => catalogue.find((p) => p.sku === sku);
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A signed-in owner's page at `path`, its console problems collected (API error answers expected). */
async function ownerAt(context, path) {
  const page = await context.newPage();
  const errors = problems(page, { expectApiErrors: true });
  page.on('dialog', (d) => d.accept());
  await page.goto(`${SHOP}${path}`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, OWNER.email, OWNER.password);
  return { page, errors };
}

/** The stock the admin API has for `sku`, asked from the owner's page. */
async function stockOf(page, sku) {
  return page.evaluate(async (s) => (await (await fetch(`/api/admin/products/${s}`)).json()).stock, sku);
}

const errorText = (page) => page.locator('[data-testid="admin-error"]').innerText();
const statusText = (page) => page.locator('[data-testid="admin-status"]').innerText();

test('a stock count typed over a stale table is refused, and the row shows the stock now', async () => {
  const sku = 'GAR-002';
  const start = product(sku).stock;
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, `/admin/?q=${sku}`);
  const shot = recorder(page, 'owner-safeguards-stock');
  const row = page.locator(`[data-testid="admin-product"][data-sku="${sku}"]`);
  await row.waitFor();
  const input = row.locator('[data-testid="stock-input"]');
  assert.equal(await input.inputValue(), String(start));

  // A shopper buys 2 while the table is open; the sale reaches the table through order-events.
  const { orderId } = await buy(browser, [{ product: product(sku), quantity: 2 }]);
  assert.ok(orderId, 'the shopper paid');
  assert.ok(await eventually(async () => (await stockOf(page, sku)) === start - 2), 'the sale took 2 from stock');

  // The owner adds a delivery of 3 to the count the stale row shows: refused, nothing saved.
  await input.fill(String(start + 3));
  await row.locator('[data-testid="stock-save"]').click();
  await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
  assert.equal(await errorText(page),
    `${sku} changed meanwhile (sold or edited): stock is now ${start - 2}. Nothing was saved — check and save again.`);
  assert.equal(await input.inputValue(), String(start - 2), 'the row shows the stock now');
  assert.equal(await stockOf(page, sku), start - 2, 'nothing was written');
  await shot('stale-count-refused');

  // Typed over the stock shown now, it is saved.
  await input.fill(String(start - 2 + 3));
  await row.locator('[data-testid="stock-save"]').click();
  await page.waitForFunction(() => /stock set to/.test(document.querySelector('#admin-status')?.textContent ?? ''));
  assert.equal(await statusText(page), `${sku}: stock set to ${start + 1}.`);
  assert.equal(await page.locator('[data-testid="admin-error"]').isVisible(), false);
  assert.equal(await stockOf(page, sku), start + 1);
  await shot('fresh-count-saved');
  assert.deepEqual(errors, []);
  await context.close();
});
