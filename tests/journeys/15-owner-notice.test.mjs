// The owner learns of each paid order by email: a shopper buys; the owner's new-order notice
// arrives (shop-local sends it to the demo owner, as the template's OrderNotificationEmail does
// in AWS), shows what to pack, the money, who paid and where it goes, and its link, clicked in
// the email, opens that order alone in the back office with its details.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, emailsTo, eventually, problems, buy, SHOP, SHOPPER, OUTPUT, OWNER } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
// Products no other journey buys or counts.
const CUSHION = catalogue.find((p) => p.sku === 'TEX-002');
const LIGHT = catalogue.find((p) => p.sku === 'LIG-006');
const BERLIN = { name: 'Grace Hopper', line1: '5 Unter den Linden', city: 'Berlin', postal: '10117', country: 'DE' };
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const euros = (cents) => `€${(cents / 100).toFixed(2)}`;

test('a paid order emails the owner what to pack, and the email opens the order in the back office', async () => {
  assert.ok(CUSHION.stock >= 2 && LIGHT.stock >= 1 && CUSHION.price.currency === 'EUR' && LIGHT.price.currency === 'EUR');

  // The shopper buys two cushion covers and a reading light, shipped to Berlin.
  const { orderId, total, problems: shopProblems } = await buy(browser,
    [{ product: CUSHION, quantity: 2 }, { product: LIGHT, quantity: 1 }], { address: BERLIN });
  assert.ok(orderId, 'the order has an id');
  assert.deepEqual(shopProblems, [], 'no console errors while buying');

  // The owner's notice arrives: one for this order, to the owner, naming the order and its total.
  const notices = await eventually(async () => {
    const mine = (await emailsTo(OWNER.email)).filter((e) => e.subject.includes(orderId));
    return mine.length ? mine : null;
  });
  assert.ok(notices, `the owner's notice of ${orderId} reached the SES store`);
  assert.equal(notices.length, 1, 'one notice per order');
  const notice = notices[0];
  assert.deepEqual(notice.destination.to, [OWNER.email]);
  assert.match(notice.subject, new RegExp(`^New .+ order ${orderId} — `));
  assert.ok(notice.subject.endsWith(total), `the subject names the total ${total}: ${notice.subject}`);
  // The shopper's own confirmation went out too, to the shopper only.
  const confirmation = (await emailsTo(SHOPPER.email)).filter((e) => e.subject.includes(orderId));
  assert.equal(confirmation.length, 1, 'the shopper has the confirmation');
  assert.ok(!confirmation[0].subject.startsWith('New'), 'the shopper is not sent the owner\'s notice');

  // The owner, signed in, reads the notice in this browser.
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const admin = await context.newPage();
  await admin.goto(`${SHOP}/admin/orders/`);
  await admin.waitForSelector('input[name="username"]');
  await signIn(admin, OWNER.email, OWNER.password);
  await admin.waitForSelector('[data-testid="admin-order"], #orders-empty:not([hidden])');
  const mail = await context.newPage();
  await mail.setContent(notice.body.html);
  const mailShot = recorder(mail, 'owner-notice');
  await mailShot('notice');
  await mail.screenshot({ path: `${OUTPUT}/owner-notice/notice-whole.png`, fullPage: true });

  // What a person sees in it: what to pack, line by line, the money, who paid, where it goes.
  const seen = await mail.locator('body').innerText();
  assert.match(seen, /New order to pack/);
  // The innermost cell naming the product (the layout's tables hold the whole email), its row.
  const row = async (product) => (await mail.locator('td', { hasText: product.sku }).last().locator('xpath=..')
    .locator('td').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(await row(CUSHION), [`${CUSHION.name} (${CUSHION.sku})`, '2', euros(CUSHION.price.amount), euros(2 * CUSHION.price.amount)]);
  assert.deepEqual(await row(LIGHT), [`${LIGHT.name} (${LIGHT.sku})`, '1', euros(LIGHT.price.amount), euros(LIGHT.price.amount)]);
  const subtotal = 2 * CUSHION.price.amount + LIGHT.price.amount;
  const money = async (label) => (await mail.locator(`td:text-is("${label}")`).locator('xpath=following-sibling::td[1]').innerText()).trim();
  assert.equal(await money('Subtotal'), euros(subtotal));
  const shipping = await money('Shipping');
  assert.ok(shipping === 'Free' || /^€\d+\.\d\d$/.test(shipping), `shipping reads as the site does: ${shipping}`);
  assert.equal((await mail.locator('td:has(strong:text-is("Total"))').locator('xpath=following-sibling::td[1]').innerText()).trim(), total);
  const address = (await mail.locator('h2:text-is("Ship to") + p').innerText()).split('\n').map((l) => l.trim());
  assert.deepEqual(address, [BERLIN.name, BERLIN.line1, `${BERLIN.postal} ${BERLIN.city}`, 'Germany']);
  assert.match(seen, new RegExp(`${SHOPPER.email.replace('.', '\\.')} has paid ${total.replace('.', '\\.')}`));
  assert.equal((await mail.locator('h2:text-is("Shopper") + p a').innerText()).trim(), SHOPPER.email);
  // The text part says the same.
  assert.ok(notice.body.text.includes(`2 × ${CUSHION.name} (${CUSHION.sku}) at ${euros(CUSHION.price.amount)}: ${euros(2 * CUSHION.price.amount)}`), notice.body.text);
  assert.ok(notice.body.text.includes(`/admin/orders/?order=${orderId}`), notice.body.text);

  // Its link opens that order alone in the back office, details open.
  const link = mail.getByRole('link', { name: 'Open the order in the back office' });
  assert.equal(await link.getAttribute('href'), `${SHOP}/admin/orders/?order=${orderId}`);
  const adminProblems = problems(mail);
  await Promise.all([mail.waitForURL((u) => u.pathname === '/admin/orders/' && u.searchParams.get('order') === orderId), link.click()]);
  const detail = mail.locator(`[data-testid="order-detail"][data-order-id="${orderId}"]`);
  await detail.waitFor();
  assert.equal(await mail.locator('[data-testid="admin-order"]').count(), 1, 'that order alone');
  assert.deepEqual(await detail.locator('[data-testid="line-sku"]').allInnerTexts(), [CUSHION.sku, LIGHT.sku]);
  assert.deepEqual(await detail.locator('[data-testid="line-quantity"]').allInnerTexts(), ['2', '1']);
  assert.equal((await detail.locator('[data-testid="order-total"]').innerText()).trim().split(/\s/).at(-1), total);
  assert.match(await detail.locator('[data-testid="order-address"]').innerText(), /Grace Hopper[\s\S]*10117 Berlin[\s\S]*Germany/);
  assert.equal(await detail.locator('[data-testid="order-email"]').innerText(), SHOPPER.email);
  assert.match(await detail.locator('[data-testid="order-payment"]').innerText(), /^Paid: /);
  await recorder(mail, 'owner-notice-back-office')('order-from-notice');

  // And the order's emails say the notice went out (recorded just after it is sent).
  const recorded = await eventually(async () => {
    await mail.reload();
    await detail.waitFor();
    return /your new-order notice sent/.test(await detail.locator('[data-testid="order-emails"]').innerText());
  }, { tries: 20 });
  assert.ok(recorded, 'the back office says the notice was sent');
  assert.match(await detail.locator('[data-testid="order-emails"]').innerText(), /confirmation sent/);
  await detail.screenshot({ path: `${OUTPUT}/owner-notice/back-office-detail.png` });
  assert.deepEqual(adminProblems, [], 'no console errors in the back office');
  await context.close();
});
