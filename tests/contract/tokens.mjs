// Signs the demo shopper and the demo owner in through the hosted login, as a person would, and
// prints their access tokens as JSON ({"shopper": "...", "owner": "..."}): what an API client
// sends as `Authorization: Bearer …` (tests/contract/run.sh).
import { launch, signIn, SHOP } from '../journeys/browser.mjs';

const PEOPLE = {
  shopper: { email: 'shopper@example.com', password: 'Shopper-Passw0rd!' },
  owner: { email: 'owner@example.com', password: 'Owner-Passw0rd!' },
};

const browser = await launch();
const tokens = {};
try {
  for (const [who, person] of Object.entries(PEOPLE)) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${SHOP}/account/`);
    await signIn(page, person.email, person.password);
    const cookie = (await context.cookies()).find((c) => c.name.endsWith('.accessToken'));
    if (!cookie) throw new Error(`no access token cookie for the ${who}`);
    tokens[who] = cookie.value;
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(tokens));
