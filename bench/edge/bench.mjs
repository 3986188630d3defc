// Edge benchmark: our bundle's handler(event) vs cognito-at-edge 1.5.5 handle(event), on the
// same viewer request with valid cookies and the same JWKS preloaded. Prints figures only.
// Usage: node bench/edge/bench.mjs   (run by bench/edge/run.sh, which builds the bundle first)
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const zip = join(root, 'edge', 'dist', 'edge.zip');
const require = createRequire(join(root, 'package.json'));

const REGION = 'us-east-1';
const POOL = 'us-east-1_Bench0001';
const CLIENT = 'benchclient0123456789abcd';
const ISS = `https://cognito-idp.${REGION}.amazonaws.com/${POOL}`;
const WARM_RUNS = Number(process.env.WARM_RUNS ?? 20000);
const COLD_RUNS = Number(process.env.COLD_RUNS ?? 7);
const UNSEEN_RUNS = Number(process.env.UNSEEN_RUNS ?? 400);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench-kid', alg: 'RS256', use: 'sig' }] };
const b64 = (x) => Buffer.from(x).toString('base64url');
const jwt = (claims) => {
  const msg = `${b64(JSON.stringify({ alg: 'RS256', kid: 'bench-kid' }))}.${b64(JSON.stringify(claims))}`;
  return `${msg}.${rsaSign('RSA-SHA256', Buffer.from(msg), privateKey).toString('base64url')}`;
};
let serial = 0;
function cookieFor(user) {
  const now = Math.floor(Date.now() / 1000);
  const base = { sub: `sub-${user}`, iss: ISS, iat: now, auth_time: now, exp: now + 3600, 'cognito:groups': [], jti: `j${serial++}` };
  const id = jwt({ ...base, aud: CLIENT, token_use: 'id', 'cognito:username': user, email: `${user}@example.com` });
  const access = jwt({ ...base, client_id: CLIENT, token_use: 'access', username: user, scope: 'openid email' });
  const p = `CognitoIdentityServiceProvider.${CLIENT}`;
  // What a real browser sends: analytics and consent cookies around the session's
  // (Cognito's refresh token is ~1.8 KB of JWE).
  const analytics = [
    '_ga=GA1.1.1183938012.1764240000', '_ga_7XKQ3Z1ABC=GS1.1.1764240000.3.1.1764241234.0.0.0',
    '_gid=GA1.2.918273645.1764240000', '_fbp=fb.1.1764240000123.1029384756',
    '_gcl_au=1.1.1456789012.1764240000', 'cookieconsent_status=allow',
    'OptanonConsent=isGpcEnabled=0&datestamp=Thu+Nov+27+2026+12%3A00%3A00+GMT%2B0100&version=202411.1.0&hosts=&consentId=5f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b&interactionCount=1&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1',
    '_hjSessionUser_3456789=eyJpZCI6IjEyMzQ1Njc4LTkwYWItY2RlZi0xMjM0LTU2Nzg5MGFiY2RlZiIsImNyZWF0ZWQiOjE3NjQyNDAwMDAwMDAsImV4aXN0aW5nIjp0cnVlfQ==',
  ].join('; ');
  const refresh = `eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.${'x'.repeat(1700)}`;
  return `${analytics}; ${p}.LastAuthUser=${user}; ${p}.${user}.idToken=${id}; ${p}.${user}.accessToken=${access}; ${p}.${user}.refreshToken=${refresh}; es_signed_in=1; cart=1`;
}
const event = (cookie) => ({
  Records: [{
    cf: {
      config: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'r' },
      request: {
        clientIp: '203.0.113.178', method: 'GET', querystring: 'page=2', uri: '/account/orders/',
        // The headers Chromium sends on a navigation, as CloudFront passes them on.
        headers: {
          host: [{ key: 'Host', value: 'shop.example' }],
          'user-agent': [{ key: 'User-Agent', value: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' }],
          accept: [{ key: 'Accept', value: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7' }],
          'accept-encoding': [{ key: 'Accept-Encoding', value: 'gzip, deflate, br, zstd' }],
          'accept-language': [{ key: 'Accept-Language', value: 'en-GB,en;q=0.9,de;q=0.8' }],
          'cache-control': [{ key: 'Cache-Control', value: 'max-age=0' }],
          referer: [{ key: 'Referer', value: 'https://shop.example/account/' }],
          'sec-ch-ua': [{ key: 'sec-ch-ua', value: '"Chromium";v="131", "Not_A Brand";v="24"' }],
          'sec-ch-ua-mobile': [{ key: 'sec-ch-ua-mobile', value: '?0' }],
          'sec-ch-ua-platform': [{ key: 'sec-ch-ua-platform', value: '"Linux"' }],
          'sec-fetch-dest': [{ key: 'Sec-Fetch-Dest', value: 'document' }],
          'sec-fetch-mode': [{ key: 'Sec-Fetch-Mode', value: 'navigate' }],
          'sec-fetch-site': [{ key: 'Sec-Fetch-Site', value: 'same-origin' }],
          'sec-fetch-user': [{ key: 'Sec-Fetch-User', value: '?1' }],
          'upgrade-insecure-requests': [{ key: 'Upgrade-Insecure-Requests', value: '1' }],
          'cloudfront-viewer-country': [{ key: 'CloudFront-Viewer-Country', value: 'DE' }],
          'x-forwarded-for': [{ key: 'X-Forwarded-For', value: '203.0.113.178' }],
          cookie: [{ key: 'Cookie', value: cookie }],
        },
      },
    },
  }],
});

// Our bundle, unpacked with a config holding the same JWKS.
const dir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
execFileSync('python3', ['-m', 'zipfile', '-e', zip, dir]);
writeFileSync(join(dir, 'config.json'), JSON.stringify({
  client_id: CLIENT, issuer: ISS,
  authorize_url: 'https://auth.example/oauth2/authorize', token_url: 'https://auth.example/oauth2/token',
  state_secret: 'bench-secret-0123456789abcdef0123456789',
  rules: [{ path: '/account/*', access: 'signed_in' }], jwks,
}));
const oursEntry = pathToFileURL(join(dir, 'index.mjs')).href;
const theirsEntry = require.resolve('cognito-at-edge');
const authParams = { region: REGION, userPoolId: POOL, userPoolAppId: CLIENT, userPoolDomain: 'auth.example', logLevel: 'silent' };

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function warm(handler, cookie, check) {
  const events = Array.from({ length: WARM_RUNS + 2000 }, () => event(cookie));
  const first = await handler(events[0]);
  if (!check(first)) throw new Error(`unexpected result: ${JSON.stringify(first).slice(0, 300)}`);
  for (let i = 1; i < 2000; i++) await handler(events[i]);
  const times = new Float64Array(WARM_RUNS);
  for (let i = 0; i < WARM_RUNS; i++) {
    const ev = events[2000 + i];
    const t0 = process.hrtime.bigint();
    await handler(ev);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return median(times);
}

async function unseen(handler, check) {
  const events = Array.from({ length: UNSEEN_RUNS }, (_, i) => event(cookieFor(`fresh${i}`)));
  const times = [];
  for (const ev of events) {
    const t0 = process.hrtime.bigint();
    const out = await handler(ev);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (!check(out)) throw new Error('unseen token refused');
  }
  return median(times);
}

function cold(script) {
  const runs = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`cold run failed: ${r.stderr}`);
    runs.push({ inProcess: Number(r.stdout.trim()), wall });
  }
  return { inProcess: median(runs.map((r) => r.inProcess)), wall: median(runs.map((r) => r.wall)) };
}

const cookie = cookieFor('alice');
// Ours forwards the S3 key (`/account/orders/index.html`), cognito-at-edge the path as is.
const forwarded = (out) => out && typeof out.uri === 'string' && out.uri.startsWith('/account/orders/');

const ours = await import(oursEntry);
const oursWarm = await warm(ours.handler, cookie, forwarded);
const oursUnseen = await unseen(ours.handler, forwarded);

const { Authenticator } = require('cognito-at-edge');
const authenticator = new Authenticator(authParams);
authenticator._jwtVerifier.cacheJwks(jwks);
const theirsWarm = await warm((e) => authenticator.handle(e), cookie, forwarded);
const theirsUnseen = await unseen((e) => authenticator.handle(e), forwarded);

const evJson = JSON.stringify(event(cookieFor('cold')));
// Cold: a fresh node process per run. Node's own start (~100+ ms on these machines) and the
// ESM loader's first use are the runtime's, not the package's: both scripts warm the loader
// with a built-in import before the clock starts, then time import + first request.
const oursCold = cold(`
  await import('node:path');
  const t0 = performance.now();
  const m = await import(${JSON.stringify(oursEntry)});
  const out = await m.handler(${evJson});
  if (!String(out.uri).startsWith('/account/orders/')) throw new Error('not forwarded');
  console.log(performance.now() - t0);`);
const theirsCold = cold(`
  import { createRequire } from 'node:module';
  await import('node:path');
  const t0 = performance.now();
  const { Authenticator } = createRequire(${JSON.stringify(theirsEntry)})(${JSON.stringify(theirsEntry)});
  const a = new Authenticator(${JSON.stringify(authParams)});
  a._jwtVerifier.cacheJwks(${JSON.stringify(jwks)});
  const out = await a.handle(${evJson});
  if (!String(out.uri).startsWith('/account/orders/')) throw new Error('not forwarded');
  console.log(performance.now() - t0);`);

const f = (x, d = 1) => x.toFixed(d);
const size = statSync(zip).size;
console.log(`edge benchmark (node ${process.version}, ${WARM_RUNS} warm runs, ${COLD_RUNS} cold processes, same viewer request and JWKS; ${Object.keys(event('').Records[0].cf.request.headers).length} browser headers, a ${cookie.length}-byte Cookie header with analytics cookies)`);
console.log(`                                   ours (Rust addon)   cognito-at-edge 1.5.5   ratio`);
console.log(`warm request, valid cookies (med)  ${f(oursWarm, 2).padStart(10)} µs       ${f(theirsWarm, 2).padStart(10)} µs        ${f(theirsWarm / oursWarm)}×`);
console.log(`request with unseen tokens (med)   ${f(oursUnseen, 2).padStart(10)} µs       ${f(theirsUnseen, 2).padStart(10)} µs        ${f(theirsUnseen / oursUnseen)}×`);
console.log(`cold: import + first request (med) ${f(oursCold.inProcess, 2).padStart(10)} ms       ${f(theirsCold.inProcess, 2).padStart(10)} ms        ${f(theirsCold.inProcess / oursCold.inProcess)}×`);
console.log(`cold: whole node process (med)     ${f(oursCold.wall, 1).padStart(10)} ms       ${f(theirsCold.wall, 1).padStart(10)} ms        ${f(theirsCold.wall / oursCold.wall)}×`);
console.log(`unseen token: ${f(oursUnseen, 1)} µs for a request whose id token was never seen (one RS256 verify via ring, then cached until exp)`);
console.log(`zip size: edge/dist/edge.zip ${size} bytes (${f(size / 1024, 0)} KB)`);
