// Lambda@Edge handler for Edge Shop: Cognito cookie auth, on viewer-request only (security
// headers on origin responses come from CloudFront's ResponseHeadersPolicies, see
// edge/routes.json). The decisions are made by the Rust addon (edge.node); this file
// only moves strings in and out, applies the decision, and makes the network calls the addon
// asks for: the token endpoint, and the JWKS when a token names an unknown kid.
// No npm runtime dependencies. See edge/README.md.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// process.dlopen loads the addon without starting the CommonJS loader (a cold-start saving).
const addonModule = { exports: {} };
process.dlopen(addonModule, fileURLToPath(new URL('./edge.node', import.meta.url)));
const addon = addonModule.exports;

// Config and JWKS are baked into the bundle: a cold start makes no network call.
addon.init(readFileSync(new URL('./config.json', import.meta.url), 'utf8'));

// Lambda@Edge gives a viewer request 5 s. Every network call of one request shares one
// deadline (a JWKS fetch, a token request and a second JWKS fetch must all fit in it), so the
// request is always answered in time: a call that runs out of it fails like an unreachable
// endpoint (the addon then answers an error page, or goes on with the keys it has).
const BUDGET_MS = 4500;
const ANSWER_MARGIN_MS = 300;

/** The request's deadline (ms since the epoch): the budget, or less when Lambda says so. */
function deadlineOf(context) {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function'
    ? context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS
    : BUDGET_MS;
  return Date.now() + Math.max(0, Math.min(BUDGET_MS, remaining));
}

/** An abort signal that fires at `deadline`. */
const until = (deadline) => AbortSignal.timeout(Math.max(1, deadline - Date.now()));
const KNOWN = { cookie: 'Cookie', authorization: 'Authorization' };
const canonical = (name) =>
  KNOWN[name] ?? name.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase());

function toResponse(d) {
  const headers = {};
  for (const [name, value] of d.headers) headers[name] = [{ key: canonical(name), value }];
  if (d.cookies.length > 0) {
    headers['set-cookie'] = d.cookies.map((value) => ({ key: 'Set-Cookie', value }));
  }
  const response = { status: String(d.status), headers };
  if (d.body) response.body = d.body;
  return response;
}

async function callTokenEndpoint(d, deadline) {
  let status = 0;
  let body = '';
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers: Object.fromEntries(d.headers),
      body: d.body,
      redirect: 'manual',
      signal: until(deadline),
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    console.error(`edge: token endpoint call failed: ${err && err.message}`);
  }
  return addon.resume(JSON.stringify(d.continuation), status, body);
}

// The JWKS fetch in progress, if any. The addon asks for one at most once per unknown kid and
// once a minute (it keeps that record in its key set); while one runs, every viewer request
// waits for it, so a rotated key never signs anybody out.
let keysFetch = null;

async function fetchKeys(d, deadline) {
  if (keysFetch === null) {
    keysFetch = (async () => {
      try {
        const res = await fetch(d.url, { redirect: 'manual', signal: until(deadline) });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        const n = addon.replaceKeys(text);
        console.log(`edge: JWKS fetched for kid ${JSON.stringify(d.kid)}: ${n} keys`);
      } catch (err) {
        console.error(`edge: JWKS fetch for kid ${JSON.stringify(d.kid)} failed: ${err && err.message}`);
      } finally {
        keysFetch = null;
      }
    })();
  }
  await waitAtMost(keysFetch, deadline);
  return addon.retry(JSON.stringify(d.retry));
}

/** Waits for `promise`, or until `deadline`, whichever comes first. */
async function waitAtMost(promise, deadline) {
  if (promise === null) return;
  let timer;
  await Promise.race([promise, new Promise((resolve) => { timer = setTimeout(resolve, Math.max(0, deadline - Date.now())); })]);
  clearTimeout(timer);
}

// Forward decisions come as `F` plus lines `/uri` (new path), `name\tvalue` (set header) or
// `-name` (remove header); anything else is JSON.
function apply(request, encoded) {
  if (encoded.length === 1) return request;
  const headers = request.headers;
  for (const line of encoded.slice(2).split('\n')) {
    const c = line.charCodeAt(0);
    if (c === 47 /* / */) {
      request.uri = line;
    } else if (c === 45 /* - */) {
      delete headers[line.slice(1)];
    } else {
      const tab = line.indexOf('\t');
      const name = line.slice(0, tab);
      headers[name] = [{ key: canonical(name), value: line.slice(tab + 1) }];
    }
  }
  return request;
}

// A forward decision sent as JSON (when a value could not go into the line encoding).
function applyJson(request, d) {
  if (d.uri !== undefined) request.uri = d.uri;
  for (const name of d.remove_headers) delete request.headers[name];
  for (const [name, value] of d.set_headers) request.headers[name] = [{ key: canonical(name), value }];
  return request;
}

export async function handler(event, context) {
  const deadline = deadlineOf(context);
  const cf = event.Records[0].cf;
  if (cf.config.eventType !== 'viewer-request') {
    // Only viewer-request is ever associated (sam/tests' routing test holds the template to
    // that): any other trigger is a misconfigured distribution, refused loudly.
    throw new Error(`edge: unexpected ${cf.config.eventType} event; only viewer-request is handled`);
  }
  // Only when one is running: awaiting nothing would let a concurrent request past before the
  // fetch another request is about to start (it must wait for it instead).
  if (keysFetch !== null) await waitAtMost(keysFetch, deadline);
  const request = cf.request;
  const h = request.headers;
  const c = h.cookie;
  const cookie = c === undefined ? '' : c.length === 1 ? c[0].value : c.map((x) => x.value).join('; ');
  const host = h.host === undefined ? '' : h.host[0].value;
  const origin = h.origin === undefined ? '' : h.origin[0].value;
  const site = h['sec-fetch-site'] === undefined ? '' : h['sec-fetch-site'][0].value;
  const auth = h.authorization === undefined ? '' : h.authorization[0].value;
  let encoded = addon.viewerRequest(request.method, request.uri, request.querystring || '', host, cookie, origin, site, auth);
  // At most: a JWKS fetch, a token request, a JWKS fetch for the new tokens (the addon never
  // asks for the same kind twice in a row, and limits JWKS fetches itself).
  for (let step = 0; step < 4; step++) {
    if (encoded.charCodeAt(0) === 70 /* F */) return apply(request, encoded);
    const d = JSON.parse(encoded);
    if (d.kind === 'forward') return applyJson(request, d);
    if (d.kind === 'token_request') encoded = await callTokenEndpoint(d, deadline);
    else if (d.kind === 'fetch_keys') encoded = await fetchKeys(d, deadline);
    else return toResponse(d);
  }
  console.error('edge: too many steps for one request');
  // A generated answer carries the security headers, as the addon's own responses do.
  const headers = [...JSON.parse(addon.securityHeaders()), ['content-type', 'text/plain']];
  return toResponse({ status: 502, headers, cookies: [], body: 'Bad gateway' });
}
