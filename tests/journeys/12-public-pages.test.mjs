// The public pages' layout as a person sees it: at phone width (390 px), signed in, no page
// is wider than the screen (the account's order list stacks, its total in view) and every
// header link stays on one line; a product without a photo shows a "No photo" placeholder,
// square like a photo, on its card, in search results and on its page; a search shows only
// its results under "Results for “…”", and a search without a match says so and links back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, problems, recorder, signIn, eventually, fillAndPay, SHOP, OWNER, SHOPPER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
// Created by the owner without a photo, in a category of its own so no other journey's
// listing or count changes.
const PHOTOLESS = {
  sku: 'ODD-001', name: 'Pewter Salt Cellar', description: 'A small pewter salt cellar with its spoon.',
  category: 'oddments', price: { amount: 1200, currency: 'EUR' }, stock: 5, featured: false, images: [],
};
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * How wide the page is against the window (a page wider than the window scrolls sideways).
 * The window is the viewport set (these contexts are not mobile-emulated, so nothing zooms
 * out to fit a wider page): checked, so `window` is the screen's width.
 */
const widths = async (page) => {
  const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: window.innerWidth }));
  assert.equal(w.window, page.viewportSize().width, 'the window is as wide as the screen');
  return w;
};

/**
 * Each visible header link (and the signed-in email) with the number of lines its words
 * take: the vertical centres of its text's line boxes, counted apart when more than half a
 * line apart (the cart's count badge sits on the same line as "Cart").
 */
const headerLines = (page) => page.evaluate(() =>
  [...document.querySelectorAll('.site-header a, .site-header button, #account-email-header')]
    .filter((e) => e.getClientRects().length > 0)
    .map((e) => {
      const centres = [];
      const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects()) if (r.width > 0) centres.push(r.top + r.height / 2);
      }
      centres.sort((a, b) => a - b);
      const half = parseFloat(getComputedStyle(e).lineHeight) / 2 || 12;
      const lines = centres.length ? 1 + centres.filter((c, i) => i > 0 && c - centres[i - 1] > half).length : 0;
      return { text: e.textContent.trim().replace(/\s+/g, ' '), lines };
    }));

/** Signs the shopper in from /account/ (the hosted login sends them back there). */
async function signInShopper(page) {
  await page.goto(`${SHOP}/account/`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  assert.equal(new URL(page.url()).pathname, '/account/');
}

/** Buys one unit of `product` with a test card from where the page is; answers the order id. */
async function buyOne(page, product) {
  await page.goto(`${SHOP}/p/${product.sku}/`);
  await page.waitForFunction(() => !document.querySelector('#add-to-cart').disabled);
  await page.click('#add-to-cart');
  await page.waitForFunction(() => Number(document.querySelector('#cart-count')?.textContent) >= 1);
  await page.goto(`${SHOP}/checkout/`);
  await page.waitForSelector('#checkout-form');
  await fillAndPay(page);
  await page.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  return new URL(page.url()).searchParams.get('order');
}

test('at phone width (and on a desktop), signed in, pages fit the screen and header links stay on one line', async () => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const seen = problems(page);
  const shot = recorder(page, 'public-signed-in');
  const product = catalogue.find((p) => p.sku === 'GAR-010');
  assert.ok(product && product.status === 'active' && product.stock >= 5, 'a product with stock to buy');

  await signInShopper(page);
  // An order, so the order list has a row (its id is long: the row must still fit).
  const orderId = await buyOne(page, product);
  assert.ok(orderId, 'the order was placed');

  // The same pages on a desktop screen afterwards: the phone's rules change nothing there.
  const pages = [['home', '/'], ['product', `/p/${product.sku}/`], ['account', '/account/'], ['orders', '/account/orders/']];
  for (const [device, name, path] of [...pages.map((p) => ['phone', ...p]), ...pages.map((p) => ['desktop', ...p])]) {
    await page.setViewportSize(device === 'phone' ? PHONE : DESKTOP);
    await page.goto(`${SHOP}${path}`);
    // Signed in: the header shows the email, Account, Sign out and the cart.
    await page.waitForSelector('#account-email-header');
    await page.waitForSelector('#sign-out-form:not([hidden])');
    // The email may be shortened with an ellipsis on a phone: all of it is in its tooltip.
    assert.equal(await page.getAttribute('#account-email-header', 'title'), SHOPPER.email);
    if (path.startsWith('/account/')) {
      await page.waitForSelector(`[data-testid="order-row"][data-order-id="${orderId}"]`);
      // The order's total is on the screen, not cut off at its right edge.
      const total = await page.locator(`[data-testid="order-row"][data-order-id="${orderId}"] td`).last().evaluate((td) => {
        const r = td.getBoundingClientRect();
        return { text: td.textContent, left: r.left, right: r.right, window: window.innerWidth };
      });
      assert.match(total.text, /^€\d+\.\d\d$/, `the total reads as money: ${total.text}`);
      assert.ok(total.left >= 0 && total.right <= total.window, `${name} (${device}): the total is in view: ${JSON.stringify(total)}`);
    }
    const w = await widths(page);
    assert.ok(w.scroll <= w.window, `${name} (${path}, ${device}) is ${w.scroll} px wide in a ${w.window} px window`);
    const links = await headerLines(page);
    for (const text of ['Account', 'Sign out', 'Cart']) {
      assert.ok(links.some((l) => l.text.startsWith(text)), `${name} (${device}): the header shows "${text}": ${JSON.stringify(links)}`);
    }
    const wrapped = links.filter((l) => l.lines !== 1);
    assert.deepEqual(wrapped, [], `${name} (${device}): every header link on one line`);
    await shot(`${name}-${device}`);
  }
  assert.deepEqual(seen, [], 'no console errors');
  await context.close();
});

test('a product without a photo shows a placeholder on its card, in search and on its page', async () => {
  // The owner adds a product and gives it no photo.
  const owner = await browser.newContext();
  const admin = await owner.newPage();
  await admin.goto(`${SHOP}/admin/`);
  await admin.waitForSelector('input[name="username"]');
  await signIn(admin, OWNER.email, OWNER.password);
  const status = await admin.evaluate(async (body) => (await fetch('/api/admin/products', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  })).status, PHOTOLESS);
  assert.ok(status === 201 || status === 409, `the owner created ${PHOTOLESS.sku} (or it is there from a run before): ${status}`);
  await owner.close();
  const published = await eventually(async () => (await fetch(`${SHOP}/p/${PHOTOLESS.sku}/`)).ok);
  assert.ok(published, 'the publisher rendered its page');

  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const seen = problems(page);
  const shot = recorder(page, 'public-no-photo');
  /** The placeholder in `scope`: its box, what it shows and what it says to a screen reader. */
  const placeholder = (scope) => page.locator(`${scope} [data-testid="no-photo"]`).evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { width: r.width, height: r.height, text: e.innerText.replace(/\s+/g, ' ').trim(),
      role: e.getAttribute('role'), label: e.getAttribute('aria-label'), hidden: e.getAttribute('aria-hidden') };
  });
  const square = (box, what) => assert.ok(Math.abs(box.width - box.height) <= 1 && box.width >= 100,
    `${what}: a square placeholder, not an empty block: ${JSON.stringify(box)}`);

  // Its page: a square "No photo" mark with its initial where the photo would be, named for screen readers.
  await page.goto(`${SHOP}/p/${PHOTOLESS.sku}/`);
  assert.equal(await page.locator('.gallery img').count(), 0);
  const big = await placeholder('.gallery');
  square(big, 'product page');
  assert.equal(big.text, 'P NO PHOTO YET');
  assert.equal(big.role, 'img');
  assert.equal(big.label, `No photo of ${PHOTOLESS.name} yet`);
  assert.ok(big.width >= 300, `as big as a photo would be: ${big.width}`);
  await shot('product-desktop');

  // Its card in the category listing: the same size as a photo on a card would be.
  await page.goto(`${SHOP}/c/${PHOTOLESS.category}/`);
  const cardScope = `#product-list [data-sku="${PHOTOLESS.sku}"]`;
  const onCard = await placeholder(cardScope);
  square(onCard, 'listing card');
  assert.equal(onCard.text, 'P NO PHOTO');
  assert.equal(onCard.hidden, 'true', 'decorative on a card, as a photo is (alt=""): the name is beside it');
  assert.equal(await page.locator('#list-summary').innerText(), '1 product');
  await shot('listing-desktop');

  // In search results (cards the browser draws from the JSON), next to a product with a
  // photo: the placeholder is as big as the photo.
  const withPhoto = catalogue.find((p) => p.status === 'active' && p.name.toLowerCase().includes('spoon'));
  assert.ok(withPhoto, 'a demo product with a photo that "spoon" finds too');
  await page.goto(`${SHOP}/?q=spoon`);
  await page.waitForSelector(`#search-results [data-sku="${PHOTOLESS.sku}"] [data-testid="no-photo"]`);
  const inSearch = await placeholder(`#search-results [data-sku="${PHOTOLESS.sku}"]`);
  square(inSearch, 'search result');
  const img = await page.locator(`#search-results [data-sku="${withPhoto.sku}"] img`).boundingBox();
  assert.ok(Math.abs(img.width - inSearch.width) <= 1, `as wide as a photo: ${img.width} vs ${inSearch.width}`);
  await shot('search-desktop');

  // At phone width the page's placeholder fits the screen.
  await page.setViewportSize(PHONE);
  await page.goto(`${SHOP}/p/${PHOTOLESS.sku}/`);
  const small = await placeholder('.gallery');
  square(small, 'product page on a phone');
  const w = await widths(page);
  assert.ok(w.scroll <= w.window && small.width <= w.window, `fits a phone: ${JSON.stringify({ ...w, placeholder: small.width })}`);
  await shot('product-phone');
  await page.goto(`${SHOP}/c/${PHOTOLESS.category}/`);
  square(await placeholder(cardScope), 'listing card on a phone');
  await shot('listing-phone');
  assert.deepEqual(seen, [], 'no console errors');
  await context.close();
});

test('a search shows only its results, and a search without a match says so and links back', async () => {
  for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const seen = problems(page);
    const shot = recorder(page, `public-search-${device}`);
    const word = 'lamp';
    const expected = catalogue.filter((p) => p.status === 'active' &&
      `${p.name} ${p.sku} ${p.category} ${p.description}`.toLowerCase().includes(word)).length;
    assert.ok(expected > 0, `the demo has a ${word}`);

    await page.goto(`${SHOP}/`);
    await page.fill('[data-testid="search-input"]', word);
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === word);
    await page.waitForSelector('#search-results [data-testid="product-card"]');
    assert.equal(await page.locator('#search-title').innerText(), `Results for “${word}”`);
    assert.equal(await page.locator('[data-testid="search-summary"]').innerText(), `${expected} product${expected === 1 ? '' : 's'}`);
    assert.equal(await page.locator('#search-results [data-testid="product-card"]').count(), expected);
    // Only the results: the home page's intro, categories and featured products are not shown.
    assert.equal(await page.getByText('Shop by category').isVisible(), false, 'no category grid under the results');
    assert.equal(await page.locator('#featured').isVisible(), false, 'no featured products under the results');
    assert.equal(await page.locator('h1:visible').count(), 1, 'one heading: the results');
    assert.match(await page.title(), /^Results for “lamp” · /);
    await shot('results');

    // No match: it says so, offers the way back, and shows nothing else.
    const none = 'zzzznothing';
    await page.fill('[data-testid="search-input"]', none);
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === none);
    await page.waitForFunction(() => document.querySelector('[data-testid="search-summary"]')?.textContent.trim() !== '');
    assert.equal(await page.locator('#search-title').innerText(), `Results for “${none}”`);
    assert.equal(await page.locator('[data-testid="search-summary"]').innerText(), `No products match “${none}”.`);
    assert.equal(await page.locator('#search-results [data-testid="product-card"]').count(), 0);
    assert.equal(await page.locator('#sort').isVisible(), false, 'nothing to sort');
    assert.equal(await page.getByText('Shop by category').isVisible(), false);
    const back = page.getByRole('link', { name: 'Browse all products' });
    assert.equal(await back.isVisible(), true, 'a link back to all products');
    const w = await widths(page);
    assert.ok(w.scroll <= w.window, `${device}: ${JSON.stringify(w)}`);
    await shot('no-match');
    await back.click();
    await page.waitForURL(`${SHOP}/`);
    assert.equal(await page.getByText('Shop by category').isVisible(), true, 'the home page again');
    assert.equal(await page.locator('#search-section').isVisible(), false);
    await shot('back-home');
    assert.deepEqual(seen, [], 'no console errors');
    await context.close();
  }
});
