// make cost: what Edge Shop costs in AWS idle and per 1,000 orders, computed from the routing
// table (edge/routes.json: which paths run Lambda@Edge, the CloudFront Function, or nothing)
// and the per-order assumptions below. Prints the arithmetic; asserts nothing.
// Prices: us-east-1 list prices (on-demand, x86_64) when this was written; check AWS's pricing
// pages before relying on them.
import { readFileSync } from 'node:fs';

const table = JSON.parse(readFileSync(new URL('./routes.json', import.meta.url), 'utf8'));

const PRICE = {
  edgeRequest: 0.6 / 1e6, // Lambda@Edge, per request
  edgeGbSecond: 0.00005001, // Lambda@Edge, per GB-second (billed per ms)
  cfFunction: 0.1 / 1e6, // CloudFront Functions, per invocation
  cfRequest: 0.01 / 1e4, // CloudFront HTTPS requests (North America / Europe)
  cfGb: 0.085, // CloudFront transfer out, first 10 TB
  cfInvalidationPath: 0.005, // past the first 1,000 paths a month
  httpApi: 1.0 / 1e6, // API Gateway HTTP API, per request
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000166667,
  ddbWrite: 0.625 / 1e6, // on-demand write request unit
  ddbRead: 0.125 / 1e6, // on-demand read request unit
  sesEmail: 0.1 / 1e3,
  logsGb: 0.5, // CloudWatch Logs ingestion
};

// One order: a shopper who browses, signs in and buys 3 items. Requests by path, as a
// browser makes them (hashed assets once: they are immutable; the cart lives in localStorage).
const REQUESTS_PER_ORDER = [
  // public pages and files: the CloudFront Function runs, no Lambda
  ['/', 3], ['/c/kitchen/', 8], ['/p/KIT-001/', 10], ['/cart/', 3],
  ['/assets/app.3f2a9c.js', 3], ['/assets/site.1b2c3d.css', 1], ['/data/c/kitchen.json', 4],
  ['/data/search.json', 1], ['/images/w400/KIT-001/x.jpg', 40], ['/favicon.ico', 1],
  // public API: no Lambda@Edge, no authorizer
  ['/api/catalogue/stock', 10], ['/api/stripe/webhook', 2],
  // protected: Lambda@Edge
  ['/checkout/', 2], ['/checkout/done/', 1], ['/account/', 1], ['/account/orders/', 1],
  ['/auth/signin', 1], ['/auth/callback', 1],
  ['/api/me', 4], ['/api/checkout/quote', 1], ['/api/checkout', 1], ['/api/checkout/01J/confirm', 1],
  ['/api/orders/01J', 2],
];
const ASSUME = {
  edgeMs: 5, edgeGb: 0.125, // measured warm decision: tens of µs; Lambda@Edge bills ≥ 1 ms
  transferGbPerOrder: 0.002, // 2 MB: pages, data, photo variants
  streamBatches: 3, // order-events invocations per order (authorised, confirmed, shipped)
  lambdaMs: 50, lambdaGb: 0.25,
  ddbWrites: 30, ddbReads: 40, // checkout + reservations, order, stock transaction, events
  emails: 2, // confirmation, shipped
  logKb: 11,
  invalidationPaths: 0, // stock is off the pages: an order re-renders nothing (publisher test)
};

function route(path) {
  const glob = (p, s) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s);
  return table.routes.find((r) => r.path === '*' || glob(r.path, path));
}

let requests = 0, edge = 0, functions = 0, api = 0;
for (const [path, n] of REQUESTS_PER_ORDER) {
  const r = route(path);
  requests += n;
  if (r.viewer === 'edge-auth') edge += n;
  if (r.viewer === 'cloudfront-function') functions += n;
  if (r.origin === 'api') api += n;
}
const lambdas = api + ASSUME.streamBatches;
const K = 1000;
const lines = [
  ['Lambda@Edge requests', `${edge * K} × 0.60 / 1,000,000`, edge * K * PRICE.edgeRequest],
  ['Lambda@Edge duration', `${edge * K} × ${ASSUME.edgeMs / 1000} s × ${ASSUME.edgeGb} GB × 0.00005001`, edge * K * (ASSUME.edgeMs / 1000) * ASSUME.edgeGb * PRICE.edgeGbSecond],
  ['CloudFront Function', `${functions * K} × 0.10 / 1,000,000`, functions * K * PRICE.cfFunction],
  ['CloudFront requests', `${requests * K} × 0.0100 / 10,000`, requests * K * PRICE.cfRequest],
  ['CloudFront transfer', `${ASSUME.transferGbPerOrder * K} GB × 0.085`, ASSUME.transferGbPerOrder * K * PRICE.cfGb],
  ['CloudFront invalidations', `${ASSUME.invalidationPaths * K} paths × 0.005`, ASSUME.invalidationPaths * K * PRICE.cfInvalidationPath],
  ['HTTP API', `${api * K} × 1.00 / 1,000,000`, api * K * PRICE.httpApi],
  ['Lambda requests', `${lambdas * K} × 0.20 / 1,000,000`, lambdas * K * PRICE.lambdaRequest],
  ['Lambda duration', `${lambdas * K} × ${ASSUME.lambdaMs / 1000} s × ${ASSUME.lambdaGb} GB × 0.0000166667`, lambdas * K * (ASSUME.lambdaMs / 1000) * ASSUME.lambdaGb * PRICE.lambdaGbSecond],
  ['DynamoDB writes', `${ASSUME.ddbWrites * K} × 0.625 / 1,000,000`, ASSUME.ddbWrites * K * PRICE.ddbWrite],
  ['DynamoDB reads', `${ASSUME.ddbReads * K} × 0.125 / 1,000,000`, ASSUME.ddbReads * K * PRICE.ddbRead],
  ['SES', `${ASSUME.emails * K} × 0.10 / 1,000`, ASSUME.emails * K * PRICE.sesEmail],
  ['CloudWatch Logs ingestion', `${ASSUME.logKb} MB × 0.50 / GB`, (ASSUME.logKb / 1024) * PRICE.logsGb],
];
// CloudFront's always-free tier: 1 TB out, 10 million requests and 2 million CloudFront
// Function invocations a month, i.e. the CloudFront lines are 0 below ~100,000 orders a month.
const FREE = new Set(['CloudFront Function', 'CloudFront requests', 'CloudFront transfer']);
const total = lines.reduce((s, [, , v]) => s + v, 0);
const paid = lines.reduce((s, [n, , v]) => s + (FREE.has(n) ? 0 : v), 0);
// What the Lambda@Edge on every request (the old default behaviour) would add.
const before = requests * K * (PRICE.edgeRequest + (ASSUME.edgeMs / 1000) * ASSUME.edgeGb * PRICE.edgeGbSecond);

const f = (x) => x.toFixed(3);
console.log('Edge Shop cost (edge/cost.mjs; routing from edge/routes.json; us-east-1 list prices)\n');
console.log('Idle, per month: 0 for every request-priced service (Lambda, Lambda@Edge, CloudFront,');
console.log('CloudFront Functions, HTTP API, DynamoDB on-demand, SES); storage ≈ 0.005 USD;');
console.log('CloudWatch alarms 1.20 USD (0.20 within the free tier). See DEPLOYMENT.md "Idle".\n');
console.log(`Per order: ${requests} CloudFront requests, of which ${edge} run Lambda@Edge (protected paths),`);
console.log(`${functions} the CloudFront Function (public pages and files), ${requests - edge - functions} nothing;`);
console.log(`${api} HTTP API calls, ${lambdas} regional Lambda invocations, ${ASSUME.ddbWrites} write and ${ASSUME.ddbReads} read units,`);
console.log(`${ASSUME.emails} emails, ${ASSUME.invalidationPaths} invalidation paths.\n`);
console.log('| item | arithmetic | USD per 1,000 orders |');
console.log('|---|---|---|');
for (const [name, how, v] of lines) console.log(`| ${name} | ${how} | ${f(v)} |`);
console.log(`| **Total, list prices** | | **${f(total)}** |`);
console.log(`| **Total, CloudFront within its always-free tier** | | **${f(paid)}** |`);
console.log(`\nLambda@Edge on every request instead (the old default behaviour): + ${f(before - lines[0][2] - lines[1][2])} USD per 1,000 orders;`);
console.log(`re-rendering and invalidating each ordered product's pages (≈ 6 paths an order): + ${f(6 * K * PRICE.cfInvalidationPath)} past 1,000 free paths a month.`);
console.log(`Target ≤ 0.25 USD per 1,000 orders: ${paid <= 0.25 ? 'met' : 'NOT met'} with CloudFront's free tier (${f(paid)}), ${total <= 0.25 ? 'met' : 'not met'} at list prices (${f(total)}).`);
