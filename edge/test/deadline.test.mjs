// Every network call of one viewer request shares one deadline (Lambda@Edge allows 5 s): a
// token endpoint that accepts the connection and never answers still gets the request answered
// before the deadline the Lambda context gives.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { load, makeKey, sessionCookie, testConfig, unpack, viewerRequest } from './helpers.mjs';

const held = [];
const silent = createServer((req) => { held.push(req); });
await new Promise((r) => silent.listen(0, '127.0.0.1', r));
after(() => {
  for (const r of held) r.socket.destroy();
  silent.close();
});
const key = makeKey();
const edge = await load(unpack(testConfig(key, `http://127.0.0.1:${silent.address().port}`)));

test('a token endpoint that never answers: the request is answered within its deadline', async () => {
  const cookie = sessionCookie(key, 'alice', [], -120, 'refresh-1');
  const started = Date.now();
  const out = await edge.handler(viewerRequest({ uri: '/account/', cookie }), { getRemainingTimeInMillis: () => 1300 });
  const took = Date.now() - started;
  assert.ok(took < 1300, `answered after ${took} ms`);
  assert.equal(held.length, 1, 'the refresh was attempted once');
  assert.ok(out.status !== undefined, `an answer, not a forward: ${JSON.stringify(out).slice(0, 300)}`);
  assert.notEqual(out.status, '200', 'the expired session is not let through');
});
