// A brand-new shopper: signs up from the header, reads the verification code
// in the email viewer, confirms, signs in, buys; later forgets the password,
// resets it through the login page's link and signs in with the new one.
// Locally the hosted pages are shop-local's stand-in beside cognito-local
// (local/src/hosted_ui.rs); in AWS they are Cognito's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, recorder, signIn, emailsTo, eventually, SHOP, SES } from './browser.mjs';

const catalogue = JSON.parse(readFileSync(new URL('../../local/demo/catalogue.json', import.meta.url)));
const EMAIL = `new-shopper-${Date.now()}@example.com`;
const PASSWORD = 'First-Passw0rd!';
const NEW_PASSWORD = 'Second-Passw0rd!';
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The newest code mailed to `email` under `subject`, read from the SES stand-in's store. */
async function codeMailed(email, subject, seen = new Set()) {
  const mail = await eventually(async () => (await emailsTo(email))
    .filter((m) => m.subject === subject && !seen.has(m.messageId ?? m.body.text)).at(-1));
  assert.ok(mail, `an email "${subject}" reached ${email}`);
  const code = mail.body.text.match(/\b(\d{6})\b/)?.[1];
  assert.ok(code, `the email carries a code: ${mail.body.text}`);
  return { code, mail };
}

/** The email viewer (aws-ses-v2-local's page) shows the mail and, opened, its code: what a person reads. */
async function seeInViewer(context, mail, code, shotName) {
  const viewer = await context.newPage();
  await viewer.goto(`${SES}/`);
  const card = viewer.locator('.email', { hasText: mail.destination.to[0] }).filter({ hasText: mail.subject }).first();
  await card.waitFor();
  await card.getByRole('button', { name: 'Toggle text view' }).click();
  const text = await card.locator('.email-text').innerText();
  assert.ok(text.includes(code), `the viewer shows the code: ${text}`);
  await recorder(viewer, 'signup-mail')(shotName);
  await viewer.close();
}

test('a new shopper signs up from the header, confirms by email code, signs in and buys', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'signup');
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // From a product page: after signing up and in, the shopper is back on it.
  const product = catalogue.find((p) => p.status === 'active' && p.stock >= 5 && p.price.amount >= 1000);
  await page.goto(`${SHOP}/p/${product.sku}/`);
  await shot('product-signed-out');
  await page.click('[data-testid="create-account"]');
  await page.waitForSelector('input[name="username"][type="email"]');
  assert.ok(!page.url().startsWith(SHOP), 'the sign-up page is on the hosted-UI domain');
  assert.equal(new URL(page.url()).pathname, '/signup');
  for (const p of ['client_id', 'redirect_uri', 'state', 'code_challenge']) {
    assert.ok(new URL(page.url()).searchParams.get(p), `the sign-up page carries ${p}`);
  }
  await page.fill('input[name="username"]', EMAIL);
  await page.fill('input[name="password"]', PASSWORD);
  await shot('signup-form');
  await Promise.all([page.waitForURL((u) => u.pathname === '/confirmSignup'), page.click('button[type="submit"]')]);
  assert.ok((await page.innerText('body')).includes(EMAIL), 'the confirm page names the address');

  // The code arrives as an email, shown in the email viewer.
  const { code, mail } = await codeMailed(EMAIL, 'Your verification code');
  await seeInViewer(context, mail, code, 'verification-email-in-viewer');

  // A wrong code is refused, the right one confirms and leads to the login page.
  await page.fill('input[name="code"]', code === '000000' ? '111111' : '000000');
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="hosted-error"]');
  await shot('wrong-code');
  await page.fill('input[name="code"]', code);
  await shot('confirm-code');
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="hosted-notice"]');
  assert.match(await page.innerText('[data-testid="hosted-notice"]'), /confirmed/i);
  await shot('login-after-confirm');
  await signIn(page, EMAIL, PASSWORD);
  assert.equal(new URL(page.url()).pathname, `/p/${product.sku}/`, 'back on the product page');
  await page.waitForFunction((e) => document.querySelector('#account-email-header')?.textContent === e, EMAIL);
  await shot('signed-in');

  // Buy it with the test card.
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent.trim() === '1');
  await page.goto(`${SHOP}/checkout/`);
  await page.waitForSelector('#checkout-form');
  await page.waitForSelector('#pay:not([disabled])');

  // Paying with an empty address marks each missing field beside it.
  await page.click('#pay');
  await page.waitForSelector('#ship-name[aria-invalid="true"]');
  const nameError = await page.innerText('#ship-name-error');
  assert.match(nameError, /full name/i);
  assert.equal(await page.getAttribute('#ship-city', 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute('#ship-line2', 'aria-invalid'), null, 'the optional line is not marked');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'ship-name', 'the first missing field has focus');
  await shot('address-errors');
  await page.fill('#ship-name', 'Grace Hopper');
  await page.waitForFunction(() => !document.querySelector('#ship-name').hasAttribute('aria-invalid'));
  await page.fill('#ship-line1', '5 Quai Voltaire');
  await page.fill('#ship-city', 'Paris');
  await page.fill('#ship-postal', '75007');
  // Countries by name, as the shop's locale writes them.
  const countries = await page.locator('#ship-country option').allInnerTexts();
  assert.ok(countries.includes('France') && countries.includes('Germany'), `${countries}`);
  await page.selectOption('#ship-country', { label: 'France' });
  const card = page.locator('#card-element');
  await card.locator('input[placeholder="number"]').fill('4242424242424242');
  await card.locator('input[placeholder="exp_month"]').fill('12');
  await card.locator('input[placeholder="exp_year"]').fill('34');
  await card.locator('input[placeholder="cvc"]').fill('123');
  await card.locator('input[placeholder="postal_code"]').fill('75007');
  await shot('checkout-filled');
  await page.click('#pay');
  await page.waitForURL(/\/checkout\/done\//, { timeout: 30_000 });
  const orderId = new URL(page.url()).searchParams.get('order');
  assert.ok(orderId, 'the confirmation page names the order');
  await shot('order-done');
  const confirmed = await eventually(async () => (await emailsTo(EMAIL)).find((m) => m.subject.toLowerCase().includes('confirm')));
  assert.ok(confirmed, 'the order confirmation reaches the new shopper');

  // Signing out from the header: back to "Sign in" / "Create account", and no /api/me asked.
  let askedMe = false;
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/me') askedMe = true; });
  await page.click('[data-testid="sign-out"]');
  await page.waitForSelector('[data-testid="create-account"]');
  await page.goto(`${SHOP}/`, { waitUntil: 'networkidle' });
  assert.equal(await page.isVisible('#sign-in'), true);
  assert.equal(await page.isVisible('[data-testid="sign-out"]'), false);
  assert.equal(askedMe, false, 'signed out: no /api/me');
  await shot('signed-out');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the new shopper resets a forgotten password from the login page and signs in with the new one', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const shot = recorder(page, 'reset');
  const before = new Set((await emailsTo(EMAIL)).map((m) => m.messageId ?? m.body.text));

  await page.goto(`${SHOP}/account/`);
  await page.waitForSelector('#forgot-password');
  await shot('login-with-links');
  await page.click('#forgot-password');
  await page.waitForURL((u) => u.pathname === '/forgotPassword' && u.searchParams.get('client_id'));
  await page.fill('input[name="username"]', EMAIL);
  await Promise.all([page.waitForURL((u) => u.pathname === '/confirmForgotPassword'), page.click('button[type="submit"]')]);
  const { code, mail } = await codeMailed(EMAIL, 'Your password reset code', before);
  await seeInViewer(context, mail, code, 'reset-email-in-viewer');
  await page.fill('input[name="code"]', code);
  await page.fill('input[name="password"]', NEW_PASSWORD);
  await shot('new-password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="hosted-notice"]');
  assert.match(await page.innerText('[data-testid="hosted-notice"]'), /password has been changed/i);

  // The old password no longer works; the new one does, and lands on the account page.
  await page.fill('input[name="username"]', EMAIL);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('form button');
  await page.waitForFunction(() => document.body.innerText.includes('Incorrect username or password'));
  await shot('old-password-refused');
  await signIn(page, EMAIL, NEW_PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/account/');
  await page.waitForFunction((e) => document.querySelector('#account-email')?.textContent === e, EMAIL);
  await shot('signed-in-with-new-password');
  await context.close();
});
