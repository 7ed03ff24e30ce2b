'use strict';
// Cache channels: the last HTTP-triggered event is replayed on subscribe;
// otherwise the subscriber gets pusher:cache_miss.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { waitChannelEvent, sleep } = require('../lib/clients');

const h = useServer();

// Event names after the handshake, leaving out subscription_count (enabled for this app).
function eventSeq(ws) {
  return ws.frames.items
    .slice(1)
    .map((f) => f.msg && f.msg.event)
    .filter((e) => e !== 'pusher_internal:subscription_count');
}

test('subscribe after a trigger receives the last event right after subscription_succeeded', async (t) => {
  const CH = 'cache-prices';
  await h.sdk.trigger(CH, 'price', { v: 1 });
  await h.sdk.trigger(CH, 'price', { v: 2 });
  await h.sdk.trigger(CH, 'price-final', { v: 3 });

  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: CH } });
  await ws.waitEvent('price-final');
  await sleep(200);
  assert.deepEqual(eventSeq(ws), ['pusher_internal:subscription_succeeded', 'price-final']);
  const ev = ws.events('price-final')[0];
  assert.equal(ev.channel, CH);
  assert.equal(ev.data, JSON.stringify({ v: 3 }));
  assert.equal(ws.events('pusher:cache_miss').length, 0);
});

test('pusher-js subscriber gets the cached event through its channel binding', async (t) => {
  const CH = 'cache-js';
  await h.sdk.trigger(CH, 'snapshot', { state: 'warm' });
  const c = await h.client(t, { label: 'c' });
  const ch = c.pusher.subscribe(CH);
  const got = waitChannelEvent(ch, 'snapshot', 5000, 'cached snapshot');
  assert.deepEqual((await got).data, { state: 'warm' });
  assert.equal(c.events.count((e) => e.event === 'pusher:cache_miss'), 0);
});

test('subscribe before any event gets pusher:cache_miss', async (t) => {
  const CH = 'cache-empty';
  const c = await h.client(t, { label: 'c' });
  const ch = c.pusher.subscribe(CH);
  const miss = waitChannelEvent(ch, 'pusher:cache_miss', 5000, 'cache_miss');
  await miss;
  const raw = c.events.all((e) => e.event === 'pusher:cache_miss');
  assert.equal(raw.length, 1);
  assert.equal(raw[0].channel, CH);
});

test('raw cache_miss frame comes right after subscription_succeeded', async (t) => {
  const CH = 'cache-empty-raw';
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: CH } });
  await ws.waitEvent('pusher:cache_miss');
  assert.deepEqual(eventSeq(ws), ['pusher_internal:subscription_succeeded', 'pusher:cache_miss']);
  assert.equal(ws.events('pusher:cache_miss')[0].channel, CH);
});

test('a subscriber present at trigger time gets the event once (no replay)', async (t) => {
  const CH = 'cache-live';
  const c = await h.client(t, { label: 'c' });
  const ch = c.pusher.subscribe(CH);
  await waitChannelEvent(ch, 'pusher:cache_miss', 5000, 'cache_miss');
  const rec = c.record(ch);
  await h.sdk.trigger(CH, 'tick', { n: 1 });
  await h.sdk.trigger(CH, 'sentinel', {});
  await rec.waitFor((e) => e.event === 'sentinel', 'sentinel');
  assert.equal(rec.count((e) => e.event === 'tick'), 1);
});

test('private-cache- channel replays the last event to an authorised subscriber', async (t) => {
  const CH = 'private-cache-orders';
  await h.sdk.trigger(CH, 'order', { id: 1 });
  const c = await h.client(t, { label: 'c' });
  const ch = c.pusher.subscribe(CH);
  const got = waitChannelEvent(ch, 'order', 5000, 'cached order');
  assert.deepEqual((await got).data, { id: 1 });
});

test('presence-cache- channel replays the last event too', async (t) => {
  const CH = 'presence-cache-room';
  await h.sdk.trigger(CH, 'topic', { t: 'hello' });
  const c = await h.client(t, { label: 'c', presence: { user_id: 'pc', user_info: {} } });
  const ch = c.pusher.subscribe(CH);
  const got = waitChannelEvent(ch, 'topic', 5000, 'cached topic');
  assert.deepEqual((await got).data, { t: 'hello' });
});

test('client events are never cached', async (t) => {
  const CH = 'private-cache-chat';
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chA = a.pusher.subscribe(CH);
  await waitChannelEvent(chA, 'pusher:cache_miss', 5000, 'initial cache_miss for a');
  const chB = b.pusher.subscribe(CH);
  await waitChannelEvent(chB, 'pusher:cache_miss', 5000, 'initial cache_miss for b');
  const got = waitChannelEvent(chB, 'client-msg', 5000);
  chA.trigger('client-msg', { hi: 1 });
  await got;
  const c = await h.client(t, { label: 'c' });
  const chC = c.pusher.subscribe(CH);
  await waitChannelEvent(chC, 'pusher:cache_miss', 5000, 'cache_miss for c (client event must not be cached)');
  assert.equal(c.events.count((e) => e.event === 'client-msg'), 0);
});

test('GET /channels/{c}?info=cache reports the cached event', async () => {
  const CH = 'cache-info';
  await h.sdk.trigger(CH, 'stored', { k: 'v' });
  const res = await h.sdk.get({ path: `/channels/${CH}`, params: { info: 'cache' } });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.occupied, false);
  assert.ok(body.cache, `expected a cache attribute: ${JSON.stringify(body)}`);
});
