// Shared set-up for the browser journeys: Debian's Chromium driven by
// playwright-core, screenshots under tests/output/<journey>/.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHOP = process.env.SHOP_URL ?? 'http://127.0.0.1:3000';
export const SES = process.env.SES_URL;
const here = path.dirname(fileURLToPath(import.meta.url));
export const OUTPUT = path.resolve(here, '..', 'output');

/** Starts a headless Chromium with the flags this machine needs (no sandbox as root, no background network). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
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
