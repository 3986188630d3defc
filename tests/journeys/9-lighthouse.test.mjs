// Lighthouse on the pages a signed-out shopper lands on: home, a category listing and a
// product page. Best practices must score 100 (no console errors, no failing requests, a
// favicon, no deprecated APIs, no browser "issues"); performance, accessibility and SEO are
// printed for the record but not asserted (they depend on this machine's speed).
//
// Runs offline: Debian's Chromium started by chrome-launcher (Lighthouse's own launcher) with
// the same no-network flags as browser.mjs, and Lighthouse reaches only the shop under test.
// The shop is served over plain HTTP on 127.0.0.1; Lighthouse counts loopback hosts as
// secure, so `is-on-https` and `redirects-http` hold here just as they do behind CloudFront.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { SHOP, OUTPUT } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
const product = catalogue.find((p) => p.status === 'active');
const PAGES = [
  ['home', `${SHOP}/`],
  ['listing', `${SHOP}/c/${product.category}/`],
  ['product', `${SHOP}/p/${product.sku}/`],
];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const dir = path.join(OUTPUT, 'lighthouse');
let chrome;

before(async () => {
  mkdirSync(dir, { recursive: true });
  chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // The same flags as browser.mjs's launch(): no sandbox as root, no background network.
    chromeFlags: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    logLevel: 'silent',
  });
});
after(async () => { await chrome?.kill(); });

for (const [name, url] of PAGES) {
  test(`Lighthouse best practices 100 on the ${name} page, signed out`, async () => {
    const run = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: CATEGORIES,
      disableFullPageScreenshot: true,
    });
    const { lhr } = run;
    writeFileSync(path.join(dir, `${name}.json`), run.report);
    assert.equal(lhr.runtimeError, undefined, `Lighthouse ran: ${JSON.stringify(lhr.runtimeError)}`);
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c].score ?? 0) * 100)]));
    console.log(`lighthouse ${name} ${url}: ${JSON.stringify(scores)}`);

    // The audits this journey is about were really evaluated (not skipped as not applicable).
    for (const id of ['errors-in-console', 'inspector-issues', 'deprecations', 'is-on-https']) {
      assert.notEqual(lhr.audits[id]?.score ?? null, null, `${id} was evaluated on ${url}`);
    }
    // Nothing was fetched from anywhere but the shop under test.
    const hosts = new Set(lhr.audits['network-requests'].details.items.map((i) => new URL(i.url).host));
    assert.deepEqual([...hosts], [new URL(SHOP).host], `only the shop was requested: ${[...hosts]}`);

    const bp = lhr.categories['best-practices'];
    const failing = bp.auditRefs
      .filter((ref) => ref.weight > 0)
      .map((ref) => lhr.audits[ref.id])
      .filter((a) => a.score !== null && a.score < 1)
      .map((a) => `${a.id}: ${a.title}${a.details?.items?.length ? ` ${JSON.stringify(a.details.items).slice(0, 400)}` : ''}`);
    assert.equal(bp.score, 1, `best practices on ${url} is ${bp.score}; failing audits:\n${failing.join('\n')}`);
  });
}
