// make cost: what Edge Shop costs in AWS idle and per 1,000 orders, computed from the routing
// table (edge/routes.json: which paths run Lambda@Edge, the CloudFront Function, or nothing)
// and an itemised account of one order below: every request the browser makes (the pages'
// scripts included), every Lambda invocation it causes (API, stream batches, cold starts),
// every DynamoDB unit the code's operations consume, logs, KMS and S3. Prints the arithmetic;
// asserts nothing. Prices: us-east-1 list prices (on-demand, x86_64) when this was written;
// check AWS's pricing pages before relying on them.
import { readFileSync } from 'node:fs';

const table = JSON.parse(readFileSync(new URL('./routes.json', import.meta.url), 'utf8'));

const PRICE = {
  edgeRequest: 0.6 / 1e6, // Lambda@Edge, per request
  edgeGbSecond: 0.00005001, // Lambda@Edge, per GB-second (billed per ms)
  cfFunction: 0.1 / 1e6, // CloudFront Functions, per invocation
  cfRequest: 0.01 / 1e4, // CloudFront HTTPS requests (North America / Europe)
  cfGb: 0.085, // CloudFront transfer out, first 10 TB
  cfInvalidationPath: 0.005, // past the first 1,000 paths a month
  s3Get: 0.0004 / 1e3, // S3 GET (CloudFront cache misses; transfer S3 → CloudFront is free)
  httpApi: 1.0 / 1e6, // API Gateway HTTP API, per request
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000166667,
  ddbWrite: 0.625 / 1e6, // on-demand write request unit
  ddbRead: 0.125 / 1e6, // on-demand read request unit
  kmsRequest: 0.03 / 1e4, // the table's aws/dynamodb key (SSEEnabled: true)
  sesEmail: 0.1 / 1e3,
  logsGb: 0.5, // CloudWatch Logs ingestion
};

// ---------------------------------------------------------------------------------------------
// One order: a shopper who browses, signs in and buys 3 items; the owner ships it.
// ---------------------------------------------------------------------------------------------

// Page views. Every view counts as a fresh load (no browser cache, no back-forward cache), so
// the stock look-ups below are an upper bound.
const VIEWS = { home: 3, listing: 8, product: 10, cart: 3 };
// The live stock overlay: one GET /api/catalogue/stock per view (app.js, cart.js; ≤ 100 SKUs a
// call), for the SKUs the view shows: home the featured cards (8 of MAX_FEATURED 12), a
// listing its prebuilt first page (page_size 24), a product page 1, the cart its 3 lines.
const STOCK_SKUS = { home: 8, listing: 24, product: 1, cart: 3 };
const stockCalls = Object.values(VIEWS).reduce((s, n) => s + n, 0);
const stockSkus = Object.entries(VIEWS).reduce((s, [k, n]) => s + n * STOCK_SKUS[k], 0);

// Requests by path, as the browser makes them (hashed assets once: they are immutable; the
// cart lives in localStorage). `ms` is the billed duration of the Lambda an API call runs.
const REQUESTS_PER_ORDER = [
  // public pages and files: the CloudFront Function runs, no Lambda
  ['/', VIEWS.home], ['/c/kitchen/', VIEWS.listing], ['/p/KIT-001/', VIEWS.product], ['/cart/', VIEWS.cart],
  ['/assets/app.3f2a9c.js', 3], ['/assets/site.1b2c3d.css', 1], ['/data/c/kitchen.json', 4],
  ['/data/search.json', 1], ['/images/w400/KIT-001/x.jpg', 40], ['/favicon.ico', 1],
  // public API: no Lambda@Edge, no authorizer
  ['/api/catalogue/stock', stockCalls, { fn: 'shop-api', ms: 30 }],
  ['/api/stripe/webhook', 2, { fn: 'stripe-webhook', ms: 50 }],
  // protected: Lambda@Edge. Signed out, /checkout/ redirects to the hosted UI, the callback
  // exchanges the code and comes back; every signed-in page asks /api/me once (app.js).
  ['/checkout/', 2], ['/checkout/done/', 1], ['/account/', 1], ['/account/orders/', 1],
  ['/auth/signin', 1], ['/auth/callback', 1],
  ['/api/me', 4, { fn: 'shop-api', ms: 10 }],
  ['/api/checkout/quote', 1, { fn: 'shop-api', ms: 40 }],
  // two Stripe calls (customer, PaymentIntent) and the reservation transaction
  ['/api/checkout', 1, { fn: 'shop-api', ms: 800 }],
  ['/api/checkout/01J/confirm', 1, { fn: 'shop-api', ms: 300 }],
  // the done page until the order is confirmed (every 2 s), the account pages' order lists
  ['/api/orders/01J', 2, { fn: 'shop-api', ms: 20 }],
  ['/api/orders', 2, { fn: 'shop-api', ms: 20 }],
  // the owner: the orders list and "mark shipped" (per order; lists are shared by many orders,
  // counted once each to stay on the safe side), each also asking /api/me
  ['/admin/orders/', 1], ['/api/me', 1, { fn: 'shop-api', ms: 10 }],
  ['/api/admin/orders', 1, { fn: 'admin-api', ms: 30 }],
  ['/api/admin/orders/01J/ship', 1, { fn: 'admin-api', ms: 50 }],
];

// Lambdas the table's stream runs for one order (not API calls). order-events: the order's put
// (take stock, capture, confirmation email: Stripe + SES), the records of its own writes coming
// back (3 updates in ≈ 2 batches, nothing left to do), the owner's "shipped" (email) and that
// email's record. catalogue-publisher: the sale's stock decrement on the 3 PRODUCT items (one
// transaction, one batch) passes its SK = PRODUCT filter; content_changed says no, nothing is
// rendered.
const STREAM_INVOCATIONS = [
  ['order-events', 1200], ['order-events', 20], ['order-events', 20], ['order-events', 300], ['order-events', 20],
  ['catalogue-publisher', 10],
];
// MemorySize in sam/template.yaml (Globals 256 MB).
const MEMORY_GB = { 'shop-api': 0.25, 'stripe-webhook': 0.25, 'admin-api': 1, 'order-events': 0.25, 'catalogue-publisher': 0.5 };
// A shop of this size is mostly cold: each function's first invocation of an order starts a
// container, and a custom runtime (provided.al2023) is billed for its init (≈ 50 ms in AWS;
// 9–12 ms measured locally, ARCHITECTURE.md).
const COLD_STARTS = { 'shop-api': 1, 'stripe-webhook': 1, 'admin-api': 1, 'order-events': 1, 'catalogue-publisher': 1 };
const INIT_MS = 50;

// DynamoDB write units of the code's operations for one order of 3 lines. A write costs 1 unit
// per KB (orders ≤ 2 KB, other items ≤ 1 KB), a transactional one 2; each index (GSI1, GSI2,
// both ALL projection) an order is in costs its own write, two when its key changes; a failed
// conditional write still costs its units.
const WRITES = [
  ['checkout: one transaction: idempotency claim, checkout, reservation, 3 stock checks, 3 counters (9 × 2) + reservation in GSI1', 9 * 2 + 1],
  ['checkout: Stripe customer and PaymentIntent ids stored on the checkout', 2],
  ['confirm: the order (2 KB) + GSI1 + GSI2; the checkout marked', 2 + 2 + 2 + 1],
  ['2 webhooks: conditional order put that finds it (2) + event marked seen (1)', 2 * (2 + 1)],
  ['order-events: sale transaction: order 2 KB, reservation, 3 products, 3 counters (2 × (2 + 1 + 3 + 3)) + GSI1 key change (2 × 2) + GSI2 (2) + reservation leaves GSI1 (1)', 2 * (2 + 1 + 3 + 3) + 4 + 2 + 1],
  ['order-events: capture and confirmation email recorded (2 × (2 + GSI1 2 + GSI2 2))', 2 * 6],
  ['owner: shipped (2 + GSI1 key change 4 + GSI2 2) + audit entry (1)', 8 + 1],
  ['order-events: shipped email recorded (2 + 2 + 2)', 6],
];
// DynamoDB read units: the stock look-ups read 2 items a SKU (product, reservation counter),
// strongly consistent (1 unit each ≤ 4 KB); the rest from the handlers.
const READS = [
  [`stock look-ups: ${stockSkus} SKUs × 2 items`, stockSkus * 2],
  ['quote and checkout: availability of 3 lines (6 each), idempotency and checkout reads', 6 + 6 + 2],
  ['confirm (checkout, order), done page and account lists (4), webhooks (2 × 2)', 2 + 4 + 4],
  ['order-events: the order on each of 5 runs, the reservation', 5 + 1],
  ['owner: orders list, order before shipping', 2],
];

const ASSUME = {
  edgeMs: 5, edgeGb: 0.125, // measured warm decision: tens of µs; Lambda@Edge bills ≥ 1 ms
  transferGbPerOrder: 0.002, // 2 MB: pages, data, photo variants
  s3MissRatio: 0.5, // public requests CloudFront sends on to S3 (a small shop's objects leave edge caches)
  emails: 2, // confirmation, shipped
  // Log ingestion, each event + 26 bytes: a regional invocation's platform.start and
  // platform.report (JSON) plus its own lines ≈ 1 KB; a Lambda@Edge one START/END/REPORT
  // ≈ 0.35 KB; an HTTP API access-log line ≈ 0.35 KB.
  logKbLambda: 1.0, logKbEdge: 0.35, logKbAccess: 0.35,
  // KMS: DynamoDB asks the aws/dynamodb key for the table key when a caller (a function's role)
  // comes back after 5 minutes idle: at this size, once per order for each of 5 roles.
  kmsPerOrder: 5,
  invalidationPaths: 0, // stock is off the pages: an order re-renders nothing (publisher test)
};

function route(path) {
  const glob = (p, s) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s);
  return table.routes.find((r) => r.path === '*' || glob(r.path, path));
}

let requests = 0, edge = 0, functions = 0, api = 0, toS3 = 0, lambdas = 0, gbSeconds = 0;
const invoke = (fn, n, ms) => {
  lambdas += n;
  gbSeconds += n * (ms / 1000) * MEMORY_GB[fn];
};
for (const [path, n, call] of REQUESTS_PER_ORDER) {
  const r = route(path);
  requests += n;
  if (r.viewer === 'edge-auth') edge += n;
  if (r.viewer === 'cloudfront-function') functions += n;
  if (r.origin === 'api') {
    api += n;
    invoke(call.fn, n, call.ms);
  } else if (!path.startsWith('/auth/')) {
    toS3 += n;
  }
}
for (const [fn, ms] of STREAM_INVOCATIONS) invoke(fn, 1, ms);
for (const [fn, n] of Object.entries(COLD_STARTS)) gbSeconds += n * (INIT_MS / 1000) * MEMORY_GB[fn];
const writes = WRITES.reduce((s, [, u]) => s + u, 0);
const reads = READS.reduce((s, [, u]) => s + u, 0);
const logKb = lambdas * ASSUME.logKbLambda + edge * ASSUME.logKbEdge + api * ASSUME.logKbAccess;
const K = 1000;
const r3 = (x) => Math.round(x * 1000) / 1000;
const lines = [
  ['Lambda@Edge requests', `${edge * K} × 0.60 / 1,000,000`, edge * K * PRICE.edgeRequest],
  ['Lambda@Edge duration', `${edge * K} × ${ASSUME.edgeMs / 1000} s × ${ASSUME.edgeGb} GB × 0.00005001`, edge * K * (ASSUME.edgeMs / 1000) * ASSUME.edgeGb * PRICE.edgeGbSecond],
  ['CloudFront Function', `${functions * K} × 0.10 / 1,000,000`, functions * K * PRICE.cfFunction],
  ['CloudFront requests', `${requests * K} × 0.0100 / 10,000`, requests * K * PRICE.cfRequest],
  ['CloudFront transfer', `${ASSUME.transferGbPerOrder * K} GB × 0.085`, ASSUME.transferGbPerOrder * K * PRICE.cfGb],
  ['CloudFront invalidations', `${ASSUME.invalidationPaths * K} paths × 0.005`, ASSUME.invalidationPaths * K * PRICE.cfInvalidationPath],
  ['S3 GET (cache misses)', `${toS3 * K} × ${ASSUME.s3MissRatio} × 0.0004 / 1,000`, toS3 * K * ASSUME.s3MissRatio * PRICE.s3Get],
  ['HTTP API', `${api * K} × 1.00 / 1,000,000`, api * K * PRICE.httpApi],
  ['Lambda requests', `${lambdas * K} × 0.20 / 1,000,000`, lambdas * K * PRICE.lambdaRequest],
  ['Lambda duration (incl. init)', `${r3(gbSeconds * K)} GB-s × 0.0000166667`, gbSeconds * K * PRICE.lambdaGbSecond],
  ['DynamoDB writes', `${writes * K} × 0.625 / 1,000,000`, writes * K * PRICE.ddbWrite],
  ['DynamoDB reads', `${reads * K} × 0.125 / 1,000,000`, reads * K * PRICE.ddbRead],
  ['KMS (table key)', `${ASSUME.kmsPerOrder * K} × 0.03 / 10,000`, ASSUME.kmsPerOrder * K * PRICE.kmsRequest],
  ['SES', `${ASSUME.emails * K} × 0.10 / 1,000`, ASSUME.emails * K * PRICE.sesEmail],
  ['CloudWatch Logs ingestion', `${r3(logKb)} MB × 0.50 / GB`, (logKb / 1024) * PRICE.logsGb],
];
// CloudFront's always-free tier: 1 TB out, 10 million requests and 2 million CloudFront
// Function invocations a month, i.e. the CloudFront lines are 0 below ~100,000 orders a month.
const FREE = new Set(['CloudFront Function', 'CloudFront requests', 'CloudFront transfer']);
const total = lines.reduce((s, [, , v]) => s + v, 0);
const paid = lines.reduce((s, [n, , v]) => s + (FREE.has(n) ? 0 : v), 0);
const ses = lines.find(([n]) => n === 'SES')[2];
// What the Lambda@Edge on every request (the old default behaviour) would add.
const before = requests * K * (PRICE.edgeRequest + (ASSUME.edgeMs / 1000) * ASSUME.edgeGb * PRICE.edgeGbSecond);

// Idle: the reservation sweeper runs every minute whatever the traffic (EventBridge schedule):
// one invocation (≈ 20 ms at 256 MB), one query of the held reservations (0.5 unit, eventually
// consistent, on an empty index), ≈ 1 KB of logs.
const sweeps = 60 * 24 * 30;
const sweeper = sweeps * (PRICE.lambdaRequest + 0.02 * 0.25 * PRICE.lambdaGbSecond + 0.5 * PRICE.ddbRead) + (sweeps / 1024 / 1024) * PRICE.logsGb;

const f = (x) => x.toFixed(3);
console.log('Edge Shop cost (edge/cost.mjs; routing from edge/routes.json; us-east-1 list prices)\n');
console.log(`Idle, per month: the reservation sweeper every minute (${sweeps} invocations, their queries`);
console.log(`and logs) ≈ ${f(sweeper)} USD (Lambda's always-free tier covers its requests and duration);`);
console.log('every other request-priced service (Lambda, Lambda@Edge, CloudFront, CloudFront Functions,');
console.log('HTTP API, DynamoDB on-demand, SES) 0; storage ≈ 0.005 USD; CloudWatch alarms 1.40 USD');
console.log('(0.40 within the free tier). See DEPLOYMENT.md "Idle".\n');
console.log(`Per order: ${requests} CloudFront requests, of which ${edge} run Lambda@Edge (protected paths),`);
console.log(`${functions} the CloudFront Function (public pages and files), ${requests - edge - functions} nothing;`);
console.log(`${api} HTTP API calls (${stockCalls} of them stock look-ups for ${stockSkus} SKUs), ${lambdas} regional Lambda invocations,`);
console.log(`${writes} DynamoDB write and ${reads} read units, ${ASSUME.emails} emails, ${ASSUME.invalidationPaths} invalidation paths.\n`);
console.log('DynamoDB write units per order:');
for (const [what, u] of WRITES) console.log(`  ${String(u).padStart(3)}  ${what}`);
console.log('DynamoDB read units per order:');
for (const [what, u] of READS) console.log(`  ${String(u).padStart(3)}  ${what}`);
console.log('');
console.log('| item | arithmetic | USD per 1,000 orders |');
console.log('|---|---|---|');
for (const [name, how, v] of lines) console.log(`| ${name} | ${how} | ${f(v)} |`);
console.log(`| **Total, list prices** | | **${f(total)}** |`);
console.log(`| **Total, CloudFront within its always-free tier** | | **${f(paid)}** |`);
console.log(`\nLambda@Edge on every request instead (the old default behaviour): + ${f(before - lines[0][2] - lines[1][2])} USD per 1,000 orders;`);
console.log(`re-rendering and invalidating each ordered product's pages (≈ 6 paths an order): + ${f(6 * K * PRICE.cfInvalidationPath)} past 1,000 free paths a month.`);
console.log(`Target ≤ 0.25 USD per 1,000 orders: ${paid <= 0.25 ? 'met' : 'NOT met'} with CloudFront's free tier (${f(paid)}), ${total <= 0.25 ? 'met' : 'not met'} at list prices (${f(total)});`);
console.log(`the two emails are ${f(ses)} of it, everything else ${f(paid - ses)}.`);
