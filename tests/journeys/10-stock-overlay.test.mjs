// Stock is never on the static pages (issue 15): what a shopper reads about availability is the
// live overlay's (GET /api/catalogue/stock: stock − units held by checkouts), filled in without
// moving anything; without JavaScript the page makes no claim about stock at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, SHOP } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
// A product with a few left (the badge counts them), and its category's listing.
const few = catalogue.find((p) => p.status === 'active' && p.stock > 1 && p.stock <= 3);
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Sums the page's layout shifts (Chromium's layout-shift entries) from the first paint on. */
const measureShifts = () => {
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
};

test('the served product page and listing carry no stock figure', async () => {
  assert.ok(few, 'the demo catalogue has a product with a few left');
  const html = await (await fetch(`${SHOP}/p/${few.sku}/`)).text();
  assert.ok(html.includes(few.name), 'the product page is served');
  assert.doesNotMatch(html, /data-stock|max="\d|In stock|Sold out|Last one|Only \d+ left|schema\.org\/(InStock|OutOfStock)/);
  const badge = /<span[^>]*id="stock-badge"[^>]*>([^<]*)<\/span>/.exec(html);
  assert.ok(badge, 'the page has the availability badge the overlay fills');
  assert.equal(badge[1], '', 'served empty');
  const listing = await (await fetch(`${SHOP}/c/${few.category}/`)).text();
  assert.doesNotMatch(listing, /data-stock|>In stock<|>Sold out<|Only \d+ left/);
  const data = await (await fetch(`${SHOP}/data/c/${few.category}.json`)).json();
  assert.ok(data.items.length > 0);
  for (const item of data.items) assert.equal(item.stock, undefined, `${item.sku} has no stock in the listing data`);
});

test('the live overlay says how many are left and moves nothing', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.addInitScript(measureShifts);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const shot = recorder(page, 'stock-overlay');

  await page.goto(`${SHOP}/p/${few.sku}/`);
  await page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled);
  assert.equal((await page.locator('#stock-badge').innerText()).trim(), `Only ${few.stock} left`);
  assert.equal(await page.getAttribute('#quantity', 'max'), String(few.stock));
  assert.equal(await page.locator('#quantity').isEnabled(), true);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__shift), 0, 'no layout shift on the product page');
  await shot('product');

  // All that is left can go in the cart.
  await page.fill('#quantity', String(few.stock));
  await page.click('#add-to-cart');
  await page.waitForFunction((n) => document.querySelector('#cart-count')?.textContent.trim() === String(n), few.stock);

  await page.goto(`${SHOP}/c/${few.category}/`);
  await page.waitForFunction((sku) => document.querySelector(`#product-list [data-sku="${sku}"] [data-badge]`)?.textContent !== '', few.sku);
  const badges = await page.locator('#product-list [data-badge]').allInnerTexts();
  assert.ok(badges.length > 0 && badges.every((b) => /^(In stock|Only \d+ left|Sold out)$/.test(b.trim())), badges.join(', '));
  assert.equal((await page.locator(`#product-list [data-sku="${few.sku}"] [data-badge]`).innerText()).trim(), `Only ${few.stock} left`);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__shift), 0, 'no layout shift on the listing');
  await shot('listing');
  assert.deepEqual(errors, []);
  await context.close();
});

test('without JavaScript the product page claims nothing about stock and says why it cannot sell', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${SHOP}/p/${few.sku}/`);
  const text = await page.locator('main').innerText();
  assert.ok(text.includes(few.name));
  assert.doesNotMatch(text, /In stock|Sold out|Only \d+ left/);
  assert.match(text, /need JavaScript/);
  assert.equal(await page.locator('#add-to-cart').isDisabled(), true);
  await recorder(page, 'stock-overlay')('product-without-js');
  await context.close();
});
