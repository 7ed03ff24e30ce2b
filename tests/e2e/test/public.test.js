'use strict';
// Public channels with pusher-js: subscribe, receive triggered events, unsubscribe.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { waitChannelEvent } = require('../lib/clients');

const h = useServer();

test('pusher-js connects and gets a well-formed socket id', async (t) => {
  const c = await h.client(t, { label: 'a' });
  assert.match(c.socketId, /^\d+\.\d+$/);
  assert.equal(c.pusher.connection.state, 'connected');
});

test('two clients get distinct socket ids', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  assert.notEqual(a.socketId, b.socketId);
});

test('trigger on a public channel reaches every subscriber exactly once with the exact data', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chA = await a.subscribe('public-news');
  const chB = await b.subscribe('public-news');
  const recA = a.record(chA);
  const recB = b.record(chB);

  const gotA = waitChannelEvent(chA, 'breaking', 5000, 'a receives breaking');
  const gotB = waitChannelEvent(chB, 'breaking', 5000, 'b receives breaking');
  const res = await h.sdk.trigger('public-news', 'breaking', { headline: 'hello', n: 1, nested: { ok: true } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});

  assert.deepEqual((await gotA).data, { headline: 'hello', n: 1, nested: { ok: true } });
  assert.deepEqual((await gotB).data, { headline: 'hello', n: 1, nested: { ok: true } });

  // A second event acts as a sentinel: once seen, the first must have been delivered once.
  await h.sdk.trigger('public-news', 'sentinel', 'done');
  await recA.waitFor((e) => e.event === 'sentinel', 'sentinel');
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel');
  assert.equal(recA.count((e) => e.event === 'breaking'), 1);
  assert.equal(recB.count((e) => e.event === 'breaking'), 1);

  // the raw event as pusher-js decoded it carries the channel name
  const raw = a.events.all((e) => e.event === 'breaking');
  assert.equal(raw.length, 1);
  assert.equal(raw[0].channel, 'public-news');
});

test('string data is delivered unchanged', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const ch = await a.subscribe('public-strings');
  const got = waitChannelEvent(ch, 'text', 5000);
  await h.sdk.trigger('public-strings', 'text', 'just a plain string, not JSON');
  assert.equal((await got).data, 'just a plain string, not JSON');
});

test('a client not subscribed to a channel does not receive its events', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chA = await a.subscribe('public-only-a');
  const chB = await b.subscribe('public-only-b');
  const recB = b.record(chB);
  const got = waitChannelEvent(chA, 'ev', 5000);
  await h.sdk.trigger('public-only-a', 'ev', { x: 1 });
  await got;
  await h.sdk.trigger('public-only-b', 'sentinel', {});
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  assert.equal(b.events.count((e) => e.event === 'ev'), 0);
});

test('after unsubscribe no more events arrive', async (t) => {
  const a = await h.client(t, { label: 'a' });
  await a.subscribe('public-unsub');
  a.pusher.unsubscribe('public-unsub');
  // Frames on one socket are handled in order: once this later subscription
  // succeeds, the unsubscribe has been processed.
  const other = await a.subscribe('public-unsub-sentinel');
  const recOther = a.record(other);
  await h.sdk.trigger('public-unsub', 'late', { x: 1 });
  await h.sdk.trigger('public-unsub-sentinel', 'sentinel', {});
  await recOther.waitFor((e) => e.event === 'sentinel', 'sentinel');
  assert.equal(a.events.count((e) => e.event === 'late'), 0);
});

test('events keep their order on one channel', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const ch = await a.subscribe('public-order');
  const rec = a.record(ch);
  for (let i = 0; i < 20; i++) {
    await h.sdk.trigger('public-order', 'seq', { i });
  }
  const got = await rec.waitForCount((e) => e.event === 'seq', 20, 'seq events');
  assert.deepEqual(
    got.map((e) => e.data.i),
    Array.from({ length: 20 }, (_, i) => i),
  );
});
