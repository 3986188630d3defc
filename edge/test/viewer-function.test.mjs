// The public behaviours' CloudFront Function (edge/viewer-function/index.js) run in Node on
// the shared case table (edge/viewer-function/cases.json), with cloudfront-js-2.0's event
// shape. The same table runs against its Rust twin (cargo test -p edge --test viewer_function),
// which shop-local's front door uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { edgeDir } from './helpers.mjs';

const source = readFileSync(new URL('../viewer-function/index.js', import.meta.url), 'utf8');
// A CloudFront Function is a script defining handler(event), with no exports or imports.
const handler = new Function(`${source}\nreturn handler;`)();
const { cases } = JSON.parse(readFileSync(`${edgeDir}/viewer-function/cases.json`, 'utf8'));

function querystring(raw) {
  const out = {};
  for (const part of raw ? raw.split('&') : []) {
    const [name, value = ''] = part.split('=');
    const q = out[name];
    if (q === undefined) out[name] = { value };
    else (q.multiValue ??= [{ value: q.value }]).push({ value });
  }
  return out;
}

const event = (c) => ({
  version: '1.0',
  context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', eventType: 'viewer-request', requestId: 'r' },
  viewer: { ip: '203.0.113.178' },
  request: { method: c.method ?? 'GET', uri: c.uri, querystring: querystring(c.querystring), headers: {}, cookies: {} },
});

test('the function file passes every shared case', () => {
  assert.ok(cases.length >= 30);
  for (const c of cases) {
    const out = handler(event(c));
    let got;
    if (out.statusCode === 400) got = { status: 400 };
    else if (out.statusCode === 301) got = { redirect: out.headers.location.value };
    else got = { uri: out.uri };
    assert.deepEqual(got, c.expect, `${c.method ?? 'GET'} ${c.uri}?${c.querystring ?? ''}`);
  }
});

test('a forwarded request keeps its headers, cookies and query', () => {
  const e = event({ uri: '/c/tea/', querystring: 'a=1&a=2' });
  e.request.headers.accept = { value: 'text/html' };
  const out = handler(e);
  assert.equal(out.uri, '/c/tea/index.html');
  assert.deepEqual(out.headers, { accept: { value: 'text/html' } });
  assert.deepEqual(out.querystring, { a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } });
});

test('the function fits CloudFront Functions\' 10 KB code limit', () => {
  assert.ok(Buffer.byteLength(source) < 10 * 1024);
});
