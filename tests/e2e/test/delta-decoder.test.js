'use strict';
// clients/delta-decoder.js (the reference decoder for apps) on a real pusher-js 8 client.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { useServer } = require('../lib/harness');
const { defaultApp, REPO } = require('../lib/server');
const { Recorder, waitChannelEvent, sleep } = require('../lib/clients');
const { loadDecoders, quote } = require('../lib/delta');
const { DeltaDecoder } = require(path.join(REPO, 'clients', 'delta-decoder.js'));

const h = useServer({
  apps: [
    defaultApp({
      channel_delta_compression: {
        'ticker-*': { enabled: true, algorithm: 'fossil', conflation_key: 'symbol' },
        'plain-*': 'disabled',
      },
    }),
  ],
  merge: { delta_compression: { enabled: true, algorithm: 'fossil', full_message_interval: 10, min_message_size: 100 } },
});

let libs;
before(async () => {
  libs = await loadDecoders();
});

function range(n, f) {
  return Array.from({ length: n }, (_, i) => f(i));
}

// A pusher-js client with a decoder attached; resolves once the server acknowledged delta mode.
async function setup(t, label, opts = {}) {
  const c = await h.client(t, { label });
  const sent = [];
  const send = c.pusher.send_event.bind(c.pusher);
  c.pusher.send_event = (name, data, channel) => {
    sent.push({ name, data, channel });
    return send(name, data, channel);
  };
  const errors = [];
  const decoder = new DeltaDecoder(c.pusher, { fossil: libs.fossil, vcdiff: libs.vcdiff, onError: (e) => errors.push(e), ...opts });
  t.after(() => decoder.destroy());
  await c.events.waitFor((e) => e.event === 'pusher:delta_compression_enabled', 'delta_compression_enabled');
  return { c, decoder, sent, errors };
}

function record(decoder, channel, event) {
  const rec = new Recorder(`decoder ${channel}/${event}`);
  decoder.bind(channel, event, (data, meta) => rec.push({ data, meta }));
  return rec;
}

// Polls cond until it holds (bounded).
async function until(cond, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

// Sends a pusher:ping and waits for the pong: every frame sent before it has been handled.
async function roundTrip(c) {
  const from = c.events.items.length;
  c.pusher.send_event('pusher:ping', {});
  await c.events.waitFor((e) => e.event === 'pusher:pong', 'pong', 5000, from);
}

test('reconstructs deltas into the published events (fossil)', async (t) => {
  const CH = 'dd-stream';
  const { c, decoder, sent: out, errors } = await setup(t, 'fossil');
  assert.equal(decoder.algorithm, 'fossil');
  assert.deepEqual(out[0], { name: 'pusher:enable_delta_compression', data: { algorithms: ['fossil', 'xdelta3'] }, channel: undefined });
  const ch = await c.subscribe(CH);
  const rec = record(decoder, CH, 'quote');
  const plain = c.record(ch); // the app's ordinary pusher-js binding on the same channel

  const sent = range(50, (i) => quote('BTC', i));
  for (const d of sent) await h.sdk.trigger(CH, 'quote', d);
  await rec.waitForCount(() => true, 50, '50 decoded quotes', 10000);
  assert.deepEqual(rec.items.map((e) => e.data), sent.map((s) => JSON.parse(s)));
  assert.deepEqual(rec.items.map((e) => e.meta.raw), sent, 'byte-exact data strings');
  assert.ok(rec.items.filter((e) => e.meta.delta).length >= 40, `deltas: ${JSON.stringify(decoder.stats)}`);
  assert.equal(decoder.stats.syncErrors, 0);
  assert.deepEqual(errors, []);
  // pusher-js alone sees only the full messages, and the deltas as pusher:delta events.
  const full = plain.all((e) => e.event === 'quote').length;
  assert.equal(full + plain.all((e) => e.event === 'pusher:delta').length, 50);
  assert.equal(full, decoder.stats.full);
});

test('negotiates xdelta3 when asked for it first', async (t) => {
  const CH = 'dd-xdelta';
  const { c, decoder } = await setup(t, 'xdelta3', { algorithms: ['xdelta3', 'fossil'] });
  assert.equal(decoder.algorithm, 'xdelta3');
  await c.subscribe(CH);
  const rec = record(decoder, CH, 'quote');
  const sent = range(30, (i) => quote('ETH', i));
  for (const d of sent) await h.sdk.trigger(CH, 'quote', d);
  await rec.waitForCount(() => true, 30, '30 decoded quotes', 10000);
  assert.deepEqual(rec.items.map((e) => e.meta.raw), sent);
  assert.ok(decoder.stats.delta >= 20, JSON.stringify(decoder.stats));
});

test('keeps conflation streams apart', async (t) => {
  const CH = 'ticker-dd';
  const { c, decoder } = await setup(t, 'conflation');
  await c.subscribe(CH);
  const rec = record(decoder, CH, '*');
  const order = range(45, (i) => ['BTC', 'ETH', 'SOL'][(i * 7 + (i >> 2)) % 3]);
  const n = {};
  const sent = order.map((s) => quote(s, (n[s] = (n[s] || 0) + 1)));
  for (const d of sent) await h.sdk.trigger(CH, 'quote', d);
  await rec.waitForCount(() => true, sent.length, 'decoded quotes', 10000);
  assert.deepEqual(rec.items.map((e) => e.meta.raw), sent);
  assert.deepEqual(rec.items.map((e) => e.meta.conflationKey), order);
  assert.ok(decoder.stats.delta >= 30, JSON.stringify(decoder.stats));
});

test('re-enables delta compression and starts over after a reconnect', async (t) => {
  const CH = 'dd-reconnect';
  const { c, decoder } = await setup(t, 'reconnect');
  const ch = await c.subscribe(CH);
  const rec = record(decoder, CH, 'quote');
  const sent = range(30, (i) => quote('ADA', i));
  for (const d of sent.slice(0, 15)) await h.sdk.trigger(CH, 'quote', d);
  await rec.waitForCount(() => true, 15, 'quotes before the drop');
  const oldSocket = c.socketId;

  // Drop the transport as a network failure would; pusher-js reconnects and resubscribes.
  const resubscribed = waitChannelEvent(ch, 'pusher:subscription_succeeded', 10000, 'resubscribe');
  c.pusher.connection.connection.transport.close();
  await resubscribed;
  await c.events.waitForCount((e) => e.event === 'pusher:delta_compression_enabled', 2, 'second delta_compression_enabled', 10000);
  assert.notEqual(c.socketId, oldSocket);

  for (const d of sent.slice(15)) await h.sdk.trigger(CH, 'quote', d);
  await rec.waitForCount(() => true, 30, 'quotes after the reconnect', 10000);
  assert.deepEqual(rec.items.map((e) => e.meta.raw), sent);
  assert.equal(rec.items[15].meta.delta, false, 'first message on the new connection is full');
  assert.ok(rec.items.slice(16).filter((e) => e.meta.delta).length >= 10, 'deltas again after the reconnect');
  assert.equal(decoder.stats.syncErrors, 0);
});

test('a delta that fails to decode is dropped, delta_sync_error sent, the next message is full', async (t) => {
  const CH = 'dd-broken';
  let calls = 0;
  const fossil = {
    applyDelta(base, delta) {
      if (++calls === 5) throw new Error('simulated decoder failure');
      return libs.fossil.applyDelta(base, delta);
    },
  };
  const { c, decoder, sent: out, errors } = await setup(t, 'broken', { fossil, algorithms: ['fossil'] });
  await c.subscribe(CH);
  const rec = record(decoder, CH, 'quote');
  const sent = range(20, (i) => quote('DOT', i));
  for (let i = 0; i < sent.length; i++) {
    await h.sdk.trigger(CH, 'quote', sent[i]);
    // One message at a time, and the sync error (if any) handled before the next publish.
    await until(() => rec.items.length + decoder.stats.syncErrors >= i + 1, `message ${i} handled`);
    await roundTrip(c);
  }
  assert.equal(decoder.stats.syncErrors, 1, JSON.stringify(decoder.stats));
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /simulated/);
  assert.deepEqual(out.filter((s) => s.name === 'pusher:delta_sync_error'), [{ name: 'pusher:delta_sync_error', data: { channel: CH }, channel: undefined }]);
  const lost = 5; // seq 1 is full; the 5th delta is message index 5
  assert.deepEqual(rec.items.map((e) => e.meta.raw), sent.filter((_, i) => i !== lost));
  assert.equal(rec.items[lost].meta.delta, false, `the message after the failed one is full: ${JSON.stringify(rec.items[lost].meta)}`);
  assert.ok(rec.items.slice(lost + 1).some((e) => e.meta.delta), 'deltas resume');
});

test('a delta whose base is missing triggers delta_sync_error; the stream resumes with a full message', async (t) => {
  const CH = 'dd-missing';
  const { c, decoder, sent: out } = await setup(t, 'missing');
  await c.subscribe(CH);
  const rec = record(decoder, CH, 'quote');
  const sent = range(8, (i) => quote('XRP', i));
  for (const d of sent.slice(0, 4)) await h.sdk.trigger(CH, 'quote', d);
  await rec.waitForCount(() => true, 4, 'first quotes');
  assert.equal(rec.items[3].meta.delta, true);

  // A delta against a message this client never had (as after a lost frame).
  const fake = { event: 'quote', seq: 99, base_seq: 98, algorithm: 'fossil', delta: Buffer.from('1\n0;').toString('base64'), conflation_key: '' };
  c.pusher.connection.connection.transport.emit('message', { data: JSON.stringify({ event: 'pusher:delta', channel: CH, data: JSON.stringify(fake) }) });
  assert.equal(decoder.stats.syncErrors, 1);
  assert.deepEqual(out.filter((s) => s.name === 'pusher:delta_sync_error').map((s) => s.data), [{ channel: CH }]);
  await roundTrip(c);

  for (const d of sent.slice(4)) await h.sdk.trigger(CH, 'quote', d);
  await rec.waitForCount(() => true, 8, 'all quotes');
  assert.deepEqual(rec.items.map((e) => e.meta.raw), sent);
  assert.equal(rec.items[4].meta.delta, false, 'the server answered the sync error with a full message');
  assert.equal(decoder.stats.syncErrors, 1);
});

test('events of channels without deltas pass through unchanged', async (t) => {
  const CH = 'plain-dd';
  const { c, decoder } = await setup(t, 'plain');
  await c.subscribe(CH);
  const rec = record(decoder, CH, '*');
  const sent = range(12, (i) => quote('TRX', i));
  for (const d of sent) await h.sdk.trigger(CH, 'quote', d);
  await h.sdk.trigger(CH, 'other', 'not json');
  await rec.waitForCount(() => true, 13, 'events');
  assert.deepEqual(rec.items.map((e) => e.meta.raw), [...sent, 'not json']);
  assert.equal(rec.items[12].data, 'not json');
  assert.equal(rec.items[12].meta.event, 'other');
  assert.ok(rec.items.every((e) => e.meta.delta === false && e.meta.seq === undefined));
  assert.equal(decoder.stats.plain, 13);
});
