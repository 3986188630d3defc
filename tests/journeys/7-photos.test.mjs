// The owner adds a photo to a product in the browser: the file goes straight to the bucket
// (presigned PUT, allowed by the admin page's CSP), the API checks and resizes it, the page
// says "Saved." only then, and the public product page shows it at the size the browser
// needs (the chosen srcset candidate's naturalWidth), with no layout shift. A file that is
// no image is refused with the API's message and nothing is saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launch, recorder, signIn, eventually, SHOP, OWNER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
// Made by `cargo run -p photos --example journey-photo`: 1800 × 1350, wider than every variant.
const PHOTO = fileURLToPath(new URL('./fixtures/jug-1800x1350.jpg', import.meta.url));
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Console errors and uncaught exceptions of a page (a failed request's own log line aside). */
function problems(page) {
  const seen = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) seen.push(m.text());
  });
  page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
  return seen;
}

/** The product page's photo whose variants are named `stem…`, as the browser chose it, once loaded. */
async function shownPhoto(page, stem) {
  const selector = `main img[srcset*="${stem}"]`;
  const img = page.locator(selector);
  await img.scrollIntoViewIfNeeded();
  await page.waitForFunction((sel) => {
    const i = document.querySelector(sel);
    return i && i.complete && i.naturalWidth > 0;
  }, selector);
  return img.evaluate(async (i) => {
    const box = i.getBoundingClientRect();
    // An element's naturalWidth is density-corrected (candidate width ÷ chosen density); the
    // chosen candidate's own pixels are those of the file at currentSrc, loaded alone.
    const file = new Image();
    file.src = i.currentSrc;
    await file.decode();
    return { currentSrc: i.currentSrc, naturalWidth: file.naturalWidth, naturalHeight: file.naturalHeight,
      densityCorrectedWidth: i.naturalWidth, boxWidth: box.width, boxHeight: box.height,
      width: i.getAttribute('width'), height: i.getAttribute('height') };
  });
}

test('the owner uploads a photo and the product page shows it at the right size', async () => {
  const product = catalogue.filter((p) => p.status === 'active').at(-1);
  assert.ok(product, 'an active product');
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const seen = problems(page);
  const shot = recorder(page, 'photos');

  await page.goto(`${SHOP}/admin/products/edit/?sku=${product.sku}`);
  await signIn(page, OWNER.email, OWNER.password);
  await page.waitForFunction(() => document.querySelector('#p-name')?.value.length > 0);
  const before = (await page.inputValue('#p-images')).split('\n').filter(Boolean);

  // A text file that calls itself a JPEG: refused by the API's check, the page says why.
  await page.setInputFiles('#p-image-file', { name: 'holiday.jpg', mimeType: 'image/jpeg',
    buffer: Buffer.from('this is not a photo\n'.repeat(50)) });
  await page.click('[data-testid="upload-image"]');
  const error = page.locator('[data-testid="admin-error"]');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.innerText(), /not a JPEG, PNG or WebP/);
  assert.doesNotMatch(await page.locator('#admin-status').innerText(), /Saved/);
  assert.deepEqual((await page.inputValue('#p-images')).split('\n').filter(Boolean), before);
  await shot('not-an-image-refused');

  // The real photo, over a slow uplink (≈ 40 KB/s) so the progress is seen while it uploads;
  // "Saved." once the API has added it.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions',
    { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 40 * 1024 });
  await page.setInputFiles('#p-image-file', PHOTO);
  await page.click('[data-testid="upload-image"]');
  const progress = page.locator('[data-testid="upload-progress"]');
  await progress.waitFor({ state: 'visible' });
  await page.waitForFunction(() => {
    const v = document.querySelector('#p-upload-progress').value;
    return v > 0 && v < 1;
  }, null, { timeout: 10_000 });
  assert.match(await page.locator('#admin-status').innerText(), /^Uploading jug-1800x1350\.jpg/);
  await shot('upload-in-progress');
  await cdp.send('Network.emulateNetworkConditions',
    { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.waitForFunction(() => /^Saved\./.test(document.querySelector('#admin-status')?.textContent ?? ''),
    null, { timeout: 30_000 });
  assert.equal(await error.isHidden(), true, 'no error shown');
  const images = (await page.inputValue('#p-images')).split('\n').filter(Boolean);
  assert.equal(images.length, before.length + 1);
  const key = images.at(-1);
  assert.match(key, new RegExp(`^${product.sku}/[0-9a-z]{26}\\.jpg$`));
  await page.locator('[data-testid="image-preview"]').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelector('#p-image-preview').naturalWidth === 400);
  assert.equal(await page.locator('[data-testid="upload-progress"]').isHidden(), true, 'progress gone when done');
  await shot('photo-saved');
  assert.deepEqual(seen, [], 'no console errors, no CSP violation, nothing uncaught on the admin page');

  // The public page, once the publisher has re-rendered it, offers the variants.
  const stem = key.replace(/\.jpg$/, '');
  const listed = await eventually(async () => {
    const html = await (await fetch(`${SHOP}/p/${product.sku}/`)).text();
    return html.includes(`/images/w800/${stem}.jpg 800w`);
  });
  assert.ok(listed, 'the product page lists the photo\'s variants');

  // Desktop, 1× screen: a 480 px slot → the 800 px variant.
  const shopper = await context.newPage();
  const shopperSeen = problems(shopper);
  await shopper.goto(`${SHOP}/p/${product.sku}/`);
  const desktop = await shownPhoto(shopper, stem);
  assert.ok(desktop.currentSrc.endsWith(`/images/w800/${stem}.jpg`), desktop.currentSrc);
  assert.equal(desktop.naturalWidth, 800);
  assert.equal(desktop.naturalHeight, 600);
  assert.equal(desktop.densityCorrectedWidth, 480, 'shown at the 480 px slot the sizes attribute names');
  // Width and height are set and the box keeps their ratio whatever the photo's: no shift.
  assert.deepEqual([desktop.width, desktop.height], ['480', '480']);
  assert.equal(Math.round(desktop.boxHeight), Math.round(desktop.boxWidth));
  const recorderShopper = recorder(shopper, 'photos-shopper');
  await recorderShopper('product-page-desktop');
  assert.deepEqual(shopperSeen, []);

  // A phone with a 3× screen: 390 px × 3 → the 1600 px variant.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3 });
  const mobile = await phone.newPage();
  await mobile.goto(`${SHOP}/p/${product.sku}/`);
  const small = await shownPhoto(mobile, stem);
  assert.ok(small.currentSrc.endsWith(`/images/w1600/${stem}.jpg`), small.currentSrc);
  assert.equal(small.naturalWidth, 1600);
  await recorder(mobile, 'photos-phone')('product-page-phone');

  // The original is served too (the `src` fallback).
  const original = await fetch(`${SHOP}/images/${key}`);
  assert.equal(original.status, 200);
  assert.equal(original.headers.get('content-type'), 'image/jpeg');
  assert.equal(Buffer.from(await original.arrayBuffer()).length, readFileSync(PHOTO).length);
  await phone.close();
  await context.close();
});
