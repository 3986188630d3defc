// The back office keeps the owner from losing or breaking things without noticing (found by an
// exploratory walk as the owner): a stock count typed over a stale table is refused once a sale
// changed it; a photo's upload keeps what the owner typed in the product form; each refusal is a sentence naming the field, never a server's parse error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launch, recorder, signIn, buy, eventually, problems, SHOP, OWNER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
const PHOTO = fileURLToPath(new URL('./fixtures/jug-1800x1350.jpg', import.meta.url));
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

  // Pressed twice in a row: saved once, and the second press is not told "changed meanwhile".
  await input.fill(String(start));
  await row.locator('[data-testid="stock-save"]').dblclick();
  await page.waitForFunction((n) => new RegExp(`stock (set to|is) ${n}`).test(document.querySelector('#admin-status')?.textContent ?? ''), start);
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('[data-testid="admin-error"]').isVisible(), false, 'no "changed meanwhile" for a double press');
  assert.equal(await stockOf(page, sku), start);
  assert.deepEqual(errors, []);
  await context.close();
});

/** The product as the admin API has it, asked from the owner's page. */
async function productOf(page, sku) {
  return page.evaluate(async (s) => (await fetch(`/api/admin/products/${s}`)).json(), sku);
}

test('uploading a photo keeps the edits typed in the form, and Save then keeps both', async () => {
  const sku = 'GAR-007';
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, `/admin/products/edit/?sku=${sku}`);
  const shot = recorder(page, 'owner-safeguards-photo');
  await page.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  const before = await productOf(page, sku);
  const typed = `${before.description} Frost-proof, tested down to -10 °C.`;
  await page.fill('#p-description', typed);

  await page.setInputFiles('#p-image-file', PHOTO);
  await page.click('[data-testid="upload-image"]');
  await page.waitForFunction(() => /photo is saved/.test(document.querySelector('#admin-status')?.textContent ?? ''),
    null, { timeout: 30_000 });
  assert.equal(await statusText(page),
    'The photo is saved on the product. Your other changes are not saved yet: press Save to keep them.');
  // Said beside the photo and the Save button, where the owner is looking.
  assert.equal(await page.locator('[data-testid="upload-note"]').innerText(),
    'The photo is saved on the product. Your other changes are not saved yet: press Save to keep them.');
  await page.locator('#p-save').scrollIntoViewIfNeeded();
  assert.equal(await page.inputValue('#p-description'), typed, 'the typed description is still there');
  const images = (await page.inputValue('#p-images')).split('\n').filter(Boolean);
  assert.equal(images.length, before.images.length + 1, 'the new photo is in the Images box');
  const added = images.at(-1);
  const afterUpload = await productOf(page, sku);
  assert.equal(afterUpload.description, before.description, 'the typed text is not saved by the upload');
  assert.deepEqual(afterUpload.images, images);
  await shot('photo-added-edits-kept');

  await page.click('#p-save');
  await page.waitForFunction(() => /^Saved /.test(document.querySelector('#admin-status')?.textContent ?? ''));
  assert.equal(await page.locator('[data-testid="admin-error"]').isVisible(), false);
  const saved = await productOf(page, sku);
  assert.equal(saved.description, typed);
  assert.ok(saved.images.includes(added), 'Save kept the photo');
  assert.equal(await page.locator('[data-testid="upload-note"]').isVisible(), false, 'the note goes once saved');
  await shot('saved-with-photo');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a photo uploaded while someone else changed a field the owner typed in too: told, and Save overwrites nothing', async () => {
  const sku = 'TEX-003';
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, `/admin/products/edit/?sku=${sku}`);
  const shot = recorder(page, 'owner-safeguards-photo-clash');
  await page.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  const before = await productOf(page, sku);
  await page.fill('#p-description', `${before.description} Typed here.`);

  // Meanwhile someone else (another tab) saves another description.
  const other = await context.newPage();
  other.on('dialog', (d) => d.accept());
  await other.goto(`${SHOP}/admin/products/edit/?sku=${sku}`);
  await other.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  const theirs = `${before.description} Saved elsewhere.`;
  await other.fill('#p-description', theirs);
  await other.click('#p-save');
  await other.waitForFunction(() => /^Saved /.test(document.querySelector('#admin-status')?.textContent ?? ''));
  await other.close();

  await page.setInputFiles('#p-image-file', PHOTO);
  await page.click('[data-testid="upload-image"]');
  await page.waitForFunction(() => /photo is saved/.test(document.querySelector('#admin-status')?.textContent ?? ''),
    null, { timeout: 30_000 });
  assert.equal(await page.locator('[data-testid="upload-note"]').innerText(),
    'The photo is saved on the product. Someone else changed its description meanwhile, as you did: '
    + 'reload the page to see their changes before saving yours.');
  await shot('told');

  // Save is refused rather than overwriting theirs; the photo stays on the product.
  await page.click('#p-save');
  await page.locator('[data-testid="admin-error"]').waitFor();
  assert.match(await errorText(page), /changed by someone else/);
  const saved = await productOf(page, sku);
  assert.equal(saved.description, theirs);
  assert.equal(saved.images.length, before.images.length + 1);
  await shot('save-refused');
  assert.deepEqual(errors, []);
  await context.close();
});

test('saving a retired product from its edit page keeps it retired', async () => {
  const sku = catalogue.find((p) => p.status === 'retired' && p.sku.startsWith('STA')).sku;
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, `/admin/products/edit/?sku=${sku}`);
  await page.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  await page.fill('#p-description', 'No longer made; kept for the orders that name it.');
  await page.click('#p-save');
  await page.waitForFunction(() => /^Saved /.test(document.querySelector('#admin-status')?.textContent ?? ''));
  const saved = await productOf(page, sku);
  assert.equal(saved.description, 'No longer made; kept for the orders that name it.');
  assert.equal(saved.status, 'retired', 'an edit does not put a retired product back on sale');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a stock box left empty, negative or with a fraction is refused, and nothing is saved', async () => {
  const sku = 'GAR-003';
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, `/admin/?q=${sku}`);
  const shot = recorder(page, 'owner-safeguards-stock-box');
  const row = page.locator(`[data-testid="admin-product"][data-sku="${sku}"]`);
  await row.waitFor();
  const start = await stockOf(page, sku);
  let requests = 0;
  page.on('request', (r) => { if (r.url().includes(`/api/admin/products/${sku}/stock`)) requests += 1; });
  for (const typed of ['', '-3', '2.5']) {
    await row.locator('[data-testid="stock-input"]').fill(typed);
    await row.locator('[data-testid="stock-save"]').click();
    await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
    assert.equal(await errorText(page), 'Stock must be a whole number, 0 or more.', `typed ${JSON.stringify(typed)}`);
    if (typed === '') await shot('empty-stock-refused');
    await page.evaluate(() => { document.querySelector('#admin-error').hidden = true; });
  }
  assert.equal(requests, 0, 'nothing was sent');
  assert.equal(await stockOf(page, sku), start, 'the stock is unchanged');

  // The New product form refuses an empty stock box the same way.
  await page.goto(`${SHOP}/admin/products/new/`);
  await page.fill('#p-sku', 'GAR-901');
  await page.fill('#p-name', 'Watering can');
  await page.fill('#p-category', 'garden');
  await page.fill('#p-price', '12.00');
  await page.fill('#p-stock', '');
  await page.click('#p-save');
  await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
  assert.equal(await errorText(page), 'Stock must be a whole number, 0 or more.');
  const created = await page.evaluate(async () => (await fetch('/api/admin/products/GAR-901')).status);
  assert.equal(created, 404, 'no product was created');
  assert.deepEqual(errors, []);
  await context.close();
});

test('numbers out of range are refused in plain words, naming the field and the limit', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, '/admin/products/new/');
  const shot = recorder(page, 'owner-safeguards-numbers');
  await page.waitForSelector('#p-sku');
  await page.fill('#p-sku', 'GAR-902');
  await page.fill('#p-name', 'Garden bench');
  await page.fill('#p-category', 'garden');
  await page.fill('#p-stock', '1');
  await page.fill('#p-price', '99999999999999999');
  await page.click('#p-save');
  await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
  assert.equal(await errorText(page), 'The price must be less than 1,000,000,000,000 EUR.');
  const box = await page.locator('[data-testid="admin-error"]').evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, height: innerHeight, y: scrollY };
  });
  assert.ok(box.top > -1 && box.bottom <= box.height, `the message is in view, not above the form the owner scrolled down: ${JSON.stringify(box)}`);
  await shot('price-too-large');
  for (const [stock, said] of [['-1', 'Stock must be a whole number, 0 or more.'],
    ['1.5', 'Stock must be a whole number, 0 or more.'], ['99999999999', 'Stock must be at most 4,294,967,295.']]) {
    await page.fill('#p-price', '120.00');
    await page.fill('#p-stock', stock);
    await page.click('#p-save');
    await page.waitForFunction((t) => document.querySelector('#admin-error')?.textContent === t, said);
    await page.evaluate(() => { document.querySelector('#admin-error').hidden = true; });
  }
  const created = await page.evaluate(async () => (await fetch('/api/admin/products/GAR-902')).status);
  assert.equal(created, 404, 'nothing was created');

  // In the product table too; and the API names the field when a request gets past the page.
  await page.goto(`${SHOP}/admin/?q=GAR-005`);
  const row = page.locator('[data-testid="admin-product"][data-sku="GAR-005"]');
  await row.waitFor();
  await row.locator('[data-testid="stock-input"]').fill('99999999999');
  await row.locator('[data-testid="stock-save"]').click();
  await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
  assert.equal(await errorText(page), 'Stock must be at most 4,294,967,295.');
  await shot('table-stock-too-large');
  const api = await page.evaluate(async () => {
    const r = await fetch('/api/admin/products/GAR-005/stock', { method: 'PUT', headers: { 'Content-Type': 'application/json' },
      body: '{"stock": 99999999999, "reason": "count"}' });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(api.status, 400);
  assert.equal(api.body.error.message, 'the stock must be a whole number from 0 to 4294967295');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an image key that names no uploaded photo is refused, naming the key', async () => {
  const sku = 'GAR-008';
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, `/admin/products/edit/?sku=${sku}`);
  const shot = recorder(page, 'owner-safeguards-image-key');
  await page.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  const before = await productOf(page, sku);
  await page.fill('#p-images', [...before.images, 'GAR-999/nothing.jpg'].join('\n'));
  await page.click('#p-save');
  await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
  assert.match(await errorText(page), /^there is no photo GAR-999\/nothing\.jpg: add photos with "Add a photo"/);
  await shot('unknown-key-refused');
  const after = await productOf(page, sku);
  assert.deepEqual(after.images, before.images, 'nothing was saved');
  assert.equal(after.version, before.version);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a category no product has yet is offered the shop\'s ones and asked before it is created', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, '/admin/products/new/');
  const shot = recorder(page, 'owner-safeguards-category');
  await page.waitForSelector('#p-sku');
  // The shop's categories are offered as the owner types.
  const offered = await page.locator('[data-testid="category-options"] option').evaluateAll((os) => os.map((o) => o.value));
  // The same as the menu's (other journeys may have added one to the demo's).
  const menu = await page.locator('nav.categories a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname.split('/')[2]));
  assert.deepEqual(offered, menu);
  for (const c of new Set(catalogue.filter((p) => p.status === 'active').map((p) => p.category))) assert.ok(offered.includes(c), c);
  assert.equal(await page.locator('#p-category').getAttribute('list'), 'p-categories');

  const asked = [];
  page.removeAllListeners('dialog');
  let answer = false;
  page.on('dialog', (d) => { asked.push(d.message()); return answer ? d.accept() : d.dismiss(); });
  await page.fill('#p-sku', 'KIT-901');
  await page.fill('#p-name', 'Bread bin');
  await page.fill('#p-price', '35.00');
  await page.fill('#p-stock', '2');
  await page.fill('#p-category', 'kitchn');
  await page.click('#p-save');
  await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
  assert.equal(asked.length, 1, 'the owner was asked');
  assert.match(asked[0], /^No product is in the category "kitchn" yet\. Saving makes it a new category in every page's menu \(the shop has: .*kitchen.*\)\. Create it\?$/);
  assert.equal(await errorText(page),
    'Nothing was saved: "kitchn" is not one of the shop\'s categories. Choose one, or press Save and confirm to create it.');
  assert.equal(await page.evaluate(async () => (await fetch('/api/admin/products/KIT-901')).status), 404, 'nothing was created');
  await shot('typo-category-asked');

  // A category of the shop is saved without asking.
  await page.fill('#p-category', 'kitchen');
  await page.click('#p-save');
  await page.waitForURL(/\/admin\/products\/edit\/\?sku=KIT-901/);
  await page.waitForFunction(() => /^Saved\./.test(document.querySelector('#admin-status')?.textContent ?? ''));
  assert.equal(asked.length, 1, 'not asked for an existing category');

  // A new category the owner confirms is created.
  page.removeAllListeners('dialog');
  page.on('dialog', (d) => { asked.push(d.message()); return d.accept(); });
  await page.fill('#p-category', 'bakery');
  await page.click('#p-save');
  await page.waitForFunction(() => /^Saved KIT-901/.test(document.querySelector('#admin-status')?.textContent ?? ''));
  assert.equal(asked.length, 2);
  assert.equal((await productOf(page, 'KIT-901')).category, 'bakery');
  await shot('new-category-confirmed');
  // Retired again, so the journeys after this one find the demo's menu and listings.
  assert.equal(await page.evaluate(async () => (await fetch('/api/admin/products/KIT-901/retire', { method: 'POST' })).status), 200);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the SKU and category patterns are valid and checked in the browser', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, '/admin/products/new/');
  const shot = recorder(page, 'owner-safeguards-patterns');
  await page.waitForSelector('#p-sku');
  let sent = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/api/admin/products')) sent += 1; });
  await page.fill('#p-sku', 'bad sku!');
  await page.fill('#p-name', 'Odd thing');
  await page.fill('#p-category', 'kitchen');
  await page.fill('#p-price', '5.00');
  assert.equal(await page.$eval('#p-sku', (e) => e.validity.patternMismatch), true, 'the browser checks the SKU pattern');
  await page.click('#p-save');
  await page.locator('[data-testid="admin-error"]').waitFor({ state: 'visible' });
  assert.equal(await errorText(page), 'The SKU must be 2 to 32 letters, digits or hyphens, starting with a letter or digit.');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'p-sku');
  await shot('bad-sku-refused');
  await page.fill('#p-sku', 'ODD-001');
  await page.fill('#p-category', 'Kitchen Things');
  assert.equal(await page.$eval('#p-category', (e) => e.validity.patternMismatch), true, 'the browser checks the category pattern');
  await page.click('#p-save');
  await page.waitForFunction(() => /^The category must be/.test(document.querySelector('#admin-error')?.textContent ?? ''));
  await page.fill('#p-category', 'kitchen-things');
  assert.equal(await page.$eval('#p-category', (e) => e.validity.valid), true);
  assert.equal(await page.$eval('#p-sku', (e) => e.validity.valid), true, 'a hyphen is allowed');
  assert.equal(sent, 0, 'nothing was sent');
  // No "Pattern attribute value … is not a valid regular expression" (nor any other error).
  assert.deepEqual(errors, []);
  await context.close();
});

test('order filters and a missing product: settled messages, the menu as listed, no form to submit', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const { page, errors } = await ownerAt(context, '/admin/orders/');
  const shot = recorder(page, 'owner-safeguards-filters');
  await page.waitForSelector('#order-status-filter');
  const error = page.locator('[data-testid="admin-error"]');

  // Dates the wrong way round: said in the page's words, and gone once they are put right.
  await page.fill('#order-from', '2026-12-10');
  await page.fill('#order-to', '2026-12-01');
  await error.waitFor({ state: 'visible' });
  assert.equal(await errorText(page), 'The \u201ccreated from\u201d date must not be after the \u201cto\u201d date.');
  // The listing asked for the first date alone answers late: it must not clear the message.
  await page.waitForTimeout(500);
  assert.equal(await error.isVisible(), true, 'the message stays while the dates are wrong');
  await shot('dates-wrong-way-round');
  await page.fill('#order-to', '2026-12-31');
  await error.waitFor({ state: 'hidden' });
  await shot('dates-fixed');

  // An unknown status in the address: the menu shows the status listed (confirmed).
  await page.goto(`${SHOP}/admin/orders/?status=bogus`);
  await page.waitForFunction(() => /not one the shop has/.test(document.querySelector('#admin-status')?.textContent ?? ''));
  assert.equal(await page.inputValue('#order-status-filter'), 'confirmed');
  assert.equal(await statusText(page), "That link's status is not one the shop has: confirmed orders are shown.");
  assert.equal(new URL(page.url()).searchParams.get('status'), 'confirmed');
  await shot('unknown-status');

  // The edit page of a SKU that does not exist: said, and no form to fill or submit.
  await page.goto(`${SHOP}/admin/products/edit/?sku=NOPE-404`);
  await error.waitFor({ state: 'visible' });
  assert.equal(await errorText(page), 'No product NOPE-404. Open one from the product table.');
  assert.equal(await page.locator('[data-testid="product-form"]').isVisible(), false);
  assert.equal(await page.locator('#product-form').getAttribute('method'), 'post', 'never submitted by GET');
  // Even submitted (as Enter in a field would), nothing leaves the page.
  await page.evaluate(() => document.querySelector('#product-form').requestSubmit());
  await page.waitForTimeout(300);
  assert.equal(new URL(page.url()).search, '?sku=NOPE-404', 'no field went into the address');
  await shot('no-such-product');
  assert.deepEqual(errors, []);
  await context.close();
});

/** How many lines the text of `locator` takes on screen. */
function lines(locator) {
  return locator.evaluate((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  });
}

test('the back office at a small laptop\'s width: whole order numbers and emails, refund grouped, no self-revoke', async () => {
  const { orderId } = await buy(browser, [{ product: product('GAR-009'), quantity: 1 }]);
  assert.ok(orderId);
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const { page, errors } = await ownerAt(context, '/admin/orders/');
  const shot = recorder(page, 'owner-safeguards-1024');
  const row = page.locator(`[data-testid="admin-order"][data-order-id="${orderId}"]`);
  const captured = await eventually(async () => {
    await page.goto(`${SHOP}/admin/orders/`);
    await page.waitForSelector('[data-testid="admin-order"], #orders-empty:not([hidden])');
    return (await row.locator('[data-testid="ship-order"]').count()) === 1;
  }, { tries: 40 });
  assert.ok(captured, 'the order is confirmed and captured');
  await shot('orders');
  assert.equal(await lines(row.locator('[data-testid="order-toggle"]')), 1, 'the order number on one line');
  // The email wraps, if at all, only after its "@": each side stays whole.
  const emailParts = await row.locator('td.wrap').evaluate((td) => [...td.childNodes].filter((n) => n.nodeType === 3).map((n) => {
    const range = document.createRange();
    range.selectNodeContents(n);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  }));
  assert.deepEqual(emailParts, [1, 1], 'shopper@ and example.com each on one line');
  // Nothing is cut off: the table fits its box, Actions in view.
  assert.ok(await page.locator('.table-scroll').evaluate((e) => e.scrollWidth <= e.clientWidth), 'no sideways scrolling');
  // The restock choice sits with Refund, not between Mark shipped and Refund.
  const box = (sel) => row.locator(sel).boundingBox();
  const [ship, restock, refund] = [await box('[data-testid="ship-order"]'), await box('.restock-choice'), await box('[data-testid="refund-order"]')];
  assert.ok(restock.y >= ship.y + ship.height - 1, `the restock choice is below Mark shipped: ${JSON.stringify({ ship, restock })}`);
  assert.ok(Math.abs(refund.y - restock.y) < restock.height + 8, 'Refund is beside its restock choice');

  // Refunded, its details no longer say there is something to pack.
  await row.locator('[data-testid="refund-order"]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-order-id="${id}"] [data-testid="order-status"]`)?.textContent.startsWith('refunded'), orderId);
  const fresh = page.locator(`[data-testid="admin-order"][data-order-id="${orderId}"]`);
  await fresh.locator('[data-testid="order-toggle"]').click();
  const detail = page.locator(`[data-testid="order-detail"][data-order-id="${orderId}"]`);
  await detail.waitFor();
  assert.equal(await detail.locator('h3').first().innerText(), 'Items (refunded)');
  await shot('refunded-details');

  // The audit trail names the order whole.
  await page.goto(`${SHOP}/admin/audit/`);
  const target = page.locator('[data-testid="audit-target"]', { hasText: orderId }).first();
  await target.waitFor();
  assert.equal(await lines(target), 1, 'the order number on one line in the audit trail');
  await shot('audit');

  // The staff page offers no "Remove admin" on the owner's own row.
  await page.goto(`${SHOP}/admin/staff/`);
  const own = page.locator('[data-testid="staff-row"]', { hasText: OWNER.email });
  await own.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="staff-row"] td:last-child')?.textContent.length > 0);
  assert.equal(await own.locator('[data-testid="revoke-admin"]').count(), 0, 'no Remove admin on your own row');
  assert.equal(await own.locator('td').last().innerText(), 'you');
  await shot('staff');
  assert.deepEqual(errors, []);
  await context.close();
});
