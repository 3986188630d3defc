// Shared set-up for the browser journeys: Debian's Chromium driven by
// playwright-core, screenshots under tests/output/<journey>/.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHOP = process.env.SHOP_URL ?? 'http://127.0.0.1:3000';
export const SES = process.env.SES_URL;
const here = path.dirname(fileURLToPath(import.meta.url));
export const OUTPUT = path.resolve(here, '..', 'output');

/**
 * Starts a headless Chromium with the flags this machine needs (no sandbox as root, no
 * background network). `backForwardCache`: keep the browser's back/forward cache on, as every
 * user's browser has it (Playwright turns it off by default).
 */
export async function launch({ backForwardCache = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: backForwardCache ? ['--disable-back-forward-cache'] : [],
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A step recorder: every step gets a numbered screenshot, so a failing journey shows where. */
export function recorder(page, journey) {
  const dir = path.join(OUTPUT, journey);
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (name) => {
    n += 1;
    await page.screenshot({ path: path.join(dir, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: false });
  };
}

/** Signs in on cognito-local's hosted login form (the page we were redirected to). */
export async function signIn(page, email, password) {
  await page.waitForSelector('input[name="username"]');
  await page.fill('input[name="username"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => u.toString().startsWith(SHOP) && !u.pathname.startsWith('/auth/')),
    page.click('form [type="submit"], form button'),
  ]);
}

/** The emails the SES stand-in has stored for one recipient. */
export async function emailsTo(recipient) {
  const res = await fetch(`${SES}/store`);
  const store = await res.json();
  return store.emails.filter((e) => (e.destination?.to ?? []).some((t) => t.includes(recipient)));
}

/** Polls `fn` until it returns a truthy value (bounded), for effects that arrive through the stream. */
export async function eventually(fn, { tries = 60, delayMs = 500 } = {}) {
  let last;
  for (let i = 0; i < tries; i += 1) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, delayMs));
  }
  return last;
}

/**
 * Console errors and uncaught exceptions of the shop's pages (not the stand-ins' hosted
 * login or Stripe.js frames), collected as they happen; assert it is empty at the end.
 * `expectApiErrors`: the steps provoke API answers the page handles (402/404/409), so the
 * browser's "Failed to load resource" lines for `/api/` requests are not counted.
 */
export function problems(page, { expectApiErrors = false } = {}) {
  const seen = [];
  const ours = () => page.url().startsWith(SHOP);
  page.on('pageerror', (e) => { if (ours()) seen.push(`${page.url()}: ${e.message ?? e}`); });
  page.on('console', (m) => {
    if (m.type() !== 'error' || !ours()) return;
    if (expectApiErrors && m.text().startsWith('Failed to load resource') && (m.location().url ?? '').includes('/api/')) return;
    seen.push(`${page.url()}: ${m.text()}`);
  });
  return seen;
}

/** A new page of `context` whose problems are collected (API error answers expected): `{ page, errors }`. */
export async function watchedPage(context) {
  const page = await context.newPage();
  return { page, errors: problems(page, { expectApiErrors: true }) };
}

/** The address `fillCheckout` fills unless told another. */
export const PARIS = { name: 'Ada Lovelace', line1: '12 Rue de Rivoli', city: 'Paris', postal: '75001', country: 'FR' };

/**
 * On /checkout/ with the order shown: fills the address (`PARIS` unless given) and
 * localstripe's card fields with `card` (4242… pays, 4000 0000 0000 3220 asks for
 * 3-D Secure, 4000 0000 0000 0341 is declined), without pressing Pay.
 */
export async function fillCheckout(page, { card = '4242424242424242', address = PARIS } = {}) {
  await page.fill('#ship-name', address.name);
  await page.fill('#ship-line1', address.line1);
  await page.fill('#ship-city', address.city);
  await page.fill('#ship-postal', address.postal);
  await page.selectOption('#ship-country', address.country);
  const element = page.locator('#card-element');
  await element.locator('input[placeholder="number"]').fill(card);
  await element.locator('input[placeholder="exp_month"]').fill('12');
  await element.locator('input[placeholder="exp_year"]').fill('34');
  await element.locator('input[placeholder="cvc"]').fill('123');
  await element.locator('input[placeholder="postal_code"]').fill(address.postal);
}

/** `fillCheckout` with `cardNumber` and the Paris address, then presses Pay. */
export async function fillAndPay(page, cardNumber = '4242424242424242') {
  await fillCheckout(page, { card: cardNumber });
  await page.click('#pay');
}

/** The demo shopper shop-local creates (README's demo accounts). */
export const SHOPPER = { email: 'shopper@example.com', password: 'Shopper-Passw0rd!' };
/** The demo owner (the admin group). */
export const OWNER = { email: 'owner@example.com', password: 'Owner-Passw0rd!' };

/** The browser's cart, as the shop's scripts keep it in localStorage. */
export const CART = 'edge-shop.cart.v1';
const demoCatalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));

/**
 * A demo product as a cart line, with its live price and available stock (other journeys may
 * have repriced it or sold some).
 */
export async function cartLine(sku, quantity) {
  const p = demoCatalogue.find((x) => x.sku === sku);
  if (!p) throw new Error(`${sku} is not in the demo catalogue`);
  const live = (await (await fetch(`${SHOP}/api/catalogue/stock?sku=${sku}`)).json()).items[0];
  return { sku, name: p.name, price: live.price, image: null, stock: live.stock, quantity };
}

/** Puts `lines` in the page's cart (on the shop's origin). */
export async function setCart(page, lines) {
  if (!page.url().startsWith(SHOP)) await page.goto(`${SHOP}/`);
  await page.evaluate(([k, l]) => localStorage.setItem(k, JSON.stringify(l)), [CART, lines]);
}

/** Runs `fn` (a screenshot) at a phone's width, then returns to the page's size. */
export async function onPhone(page, fn) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await fn();
  await page.setViewportSize(size);
}

/**
 * The shopper buys `lines` ([{ product, quantity }]) in a browser context of its own: adds each
 * from its product page, signs in at checkout, pays (`card` and `address` as fillCheckout takes
 * them). Answers the order's id, the total the checkout showed, and the console problems seen.
 */
export async function buy(browser, lines, { card, address } = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const seen = problems(page);
  let count = 0;
  for (const { product, quantity } of lines) {
    count += quantity;
    await page.goto(`${SHOP}/p/${product.sku}/`);
    await page.waitForFunction(() => !document.querySelector('#add-to-cart')?.disabled);
    await page.fill('#quantity', String(quantity));
    await page.click('#add-to-cart');
    await page.waitForFunction((n) => Number(document.querySelector('#cart-count')?.textContent.trim()) === n, count);
  }
  await page.goto(`${SHOP}/checkout/`);
  await page.waitForSelector('input[name="username"]');
  await signIn(page, SHOPPER.email, SHOPPER.password);
  await page.waitForSelector('#checkout-form');
  await page.waitForFunction(() => (document.querySelector('#checkout-total')?.textContent ?? '').includes('€'));
  const total = (await page.locator('#checkout-total').innerText()).trim();
  await fillCheckout(page, { card, address });
  await page.click('#pay');
  await page.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  const orderId = new URL(page.url()).searchParams.get('order');
  await context.close();
  return { orderId, total, problems: seen };
}
