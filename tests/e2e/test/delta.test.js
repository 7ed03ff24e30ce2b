'use strict';
// sockudo's delta compression extension, checked on the raw wire: every delta is applied with
// the npm decoders (fossil-delta, @ably/vcdiff-decoder) and the result compared byte for byte
// with what was published; stock clients on the same channels see plain frames.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { useServer } = require('../lib/harness');
const { startServer, defaultApp } = require('../lib/server');
const { connectRaw } = require('../lib/rawws');
const { serverSdk } = require('../lib/clients');
const {
  loadDecoders,
  reconstruct,
  waitChannelEvents,
  enableDelta,
  subscribeRaw,
  roundTrip,
  quote,
} = require('../lib/delta');

const INTERVAL = 10;
const MASTER_KEY = crypto.randomBytes(32).toString('base64');

const CHANNEL_DELTA = {
  'ticker-*': { enabled: true, algorithm: 'fossil', conflation_key: 'symbol' },
  'ticker-x-*': { enabled: true, algorithm: 'xdelta3', conflation_key: 'symbol' },
  'ticker-off': 'disabled',
  'plain-*': 'disabled',
};
const DELTA_CONFIG = {
  enabled: true,
  algorithm: 'fossil',
  full_message_interval: INTERVAL,
  min_message_size: 100,
  conflation_key_path: 'quote.symbol',
};

const h = useServer({
  apps: [defaultApp({ channel_delta_compression: CHANNEL_DELTA })],
  merge: { delta_compression: DELTA_CONFIG },
  sdk: { encryptionMasterKeyBase64: MASTER_KEY },
});

let libs;
before(async () => {
  libs = await loadDecoders();
});

// Publishes the data strings in order (one HTTP call each, awaited, so they are ordered).
async function publish(channel, event, datas) {
  for (const d of datas) {
    const res = await h.sdk.trigger(channel, event, d);
    assert.equal(res.status, 200);
  }
}

function range(n, f) {
  return Array.from({ length: n }, (_, i) => f(i));
}

function counts(entries) {
  const c = { full: 0, delta: 0, plain: 0 };
  for (const e of entries) c[e.kind]++;
  return c;
}

// The longest run of consecutive deltas per stream.
function longestDeltaRun(entries) {
  const runs = new Map();
  let best = 0;
  for (const e of entries) {
    const k = `${e.event}/${e.key}`;
    const r = e.kind === 'delta' ? (runs.get(k) || 0) + 1 : 0;
    runs.set(k, r);
    best = Math.max(best, r);
  }
  return best;
}

// Every delta's base is the previous message of its own stream.
function assertBasesArePrevious(entries) {
  for (const e of entries.filter((x) => x.kind === 'delta')) {
    assert.equal(e.baseSeq, e.prevSeq, `delta seq ${e.seq} (${e.key}) has base_seq ${e.baseSeq}, previous message of the stream was ${e.prevSeq}: ${e.raw}`);
  }
}

function assertPlainFrames(ws, channel, expected) {
  const frames = ws.frames.all((f) => f.msg && f.msg.channel === channel && !f.msg.event.startsWith('pusher'));
  assert.equal(frames.length, expected.length);
  frames.forEach((f, i) => {
    assert.deepEqual(Object.keys(f.msg).sort(), ['channel', 'data', 'event'], `plain frame expected, got ${f.raw}`);
    assert.equal(f.msg.data, expected[i]);
  });
  assert.equal(ws.events('pusher:delta').filter((m) => m.channel === channel).length, 0);
}

test('enable_delta_compression answers with the first listed algorithm the server supports', async (t) => {
  const cases = [
    [['fossil', 'xdelta3'], 'fossil'],
    [['xdelta3', 'fossil'], 'xdelta3'],
    [['brotli', 'xdelta3'], 'xdelta3'],
  ];
  for (const [algorithms, expected] of cases) {
    const ws = await h.raw(t);
    const from = ws.frames.items.length;
    ws.send({ event: 'pusher:enable_delta_compression', data: { algorithms } });
    const f = await ws.waitEvent('pusher:delta_compression_enabled', () => true, 5000, from);
    assert.equal(typeof f.msg.data, 'string', `data must be a JSON string: ${f.raw}`);
    assert.deepEqual(JSON.parse(f.msg.data), { enabled: true, algorithm: expected }, `for ${JSON.stringify(algorithms)}`);
  }
});

test('enable_delta_compression also applies to channels subscribed before it', async (t) => {
  // The opt-in may come after subscribing (pusher-js resubscribes first on a reconnect).
  const CH = 'stream-subscribed-first';
  const ws = await h.raw(t);
  await subscribeRaw(ws, CH);
  await enableDelta(ws, ['fossil']);
  const sent = range(12, (i) => quote('NEO', i));
  await publish(CH, 'quote', sent);
  await waitChannelEvents(ws, CH, 12);
  const got = reconstruct(ws, CH, libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  assert.equal(counts(got).plain, 0, `a delta-enabled socket gets __delta_seq or pusher:delta on every channel: ${got[0].raw.slice(0, 120)}`);
  assert.ok(counts(got).delta >= 9, JSON.stringify(counts(got)));
});

for (const algo of ['fossil', 'xdelta3']) {
  test(`${algo}: 100 messages reconstruct byte-exactly, most of them as deltas; stock clients get plain frames`, async (t) => {
    const CH = `stream-${algo}`;
    const ws = await h.raw(t, { label: `${algo} delta` });
    assert.equal((await enableDelta(ws, [algo])).algorithm, algo);
    await subscribeRaw(ws, CH);
    const stock = await h.raw(t, { label: 'stock raw' });
    await subscribeRaw(stock, CH);
    const js = await h.client(t, { label: 'pusher-js' });
    const rec = js.record(await js.subscribe(CH));

    const sent = range(100, (i) => quote('BTC', i));
    await publish(CH, 'quote', sent);
    await waitChannelEvents(ws, CH, 100);
    await waitChannelEvents(stock, CH, 100);
    await rec.waitForCount((e) => e.event === 'quote', 100, '100 quotes on pusher-js');

    const got = reconstruct(ws, CH, libs);
    assert.deepEqual(got.map((e) => e.data), sent, 'reconstructed data strings');
    assert.ok(got.every((e) => e.event === 'quote'));
    assert.deepEqual(got.map((e) => e.seq), range(100, (i) => i + 1), 'seq counts 1..100 on the stream');
    assertBasesArePrevious(got);
    const c = counts(got);
    assert.equal(c.plain, 0, 'every message to a delta socket carries __delta_seq or is a pusher:delta');
    assert.ok(c.delta >= 80, `expected most messages as deltas, got ${JSON.stringify(c)}`);
    assert.ok(got.filter((e) => e.kind === 'delta').every((e) => e.algorithm === algo), `all deltas use ${algo}`);
    assert.equal(got[0].kind, 'full', 'the first message of a stream is full');
    for (const e of got.filter((x) => x.kind === 'full')) {
      assert.deepEqual(Object.keys(e.msg).sort(), ['__delta_seq', 'channel', 'data', 'event'], `full frame: ${e.raw}`);
    }
    for (const e of got.filter((x) => x.kind === 'delta')) {
      assert.deepEqual(Object.keys(e.msg).sort(), ['channel', 'data', 'event'], `delta frame: ${e.raw}`);
      const d = JSON.parse(e.msg.data);
      for (const k of ['event', 'seq', 'base_seq', 'algorithm', 'delta']) assert.ok(k in d, `delta data lacks ${k}: ${e.raw}`);
    }

    // Fewer bytes on the wire than the stock socket got for the same events.
    const bytes = (sock) => sock.frames.all((f) => f.msg && f.msg.channel === CH && f.msg.event !== 'pusher_internal:subscription_succeeded' && f.msg.event !== 'pusher_internal:subscription_count').reduce((n, f) => n + Buffer.byteLength(f.raw), 0);
    assert.ok(bytes(ws) < bytes(stock) * 0.6, `delta socket got ${bytes(ws)} bytes, stock socket ${bytes(stock)}`);

    assertPlainFrames(stock, CH, sent);
    assert.deepEqual(
      rec.all((e) => e.event === 'quote').map((e) => e.data),
      sent.map((s) => JSON.parse(s)),
    );
    assert.equal(rec.count((e) => e.event === 'pusher:delta'), 0);
  });
}

test('full_message_interval: a full message at least every INTERVAL messages of a stream', async (t) => {
  const CH = 'stream-interval';
  const ws = await h.raw(t);
  await enableDelta(ws, ['fossil']);
  await subscribeRaw(ws, CH);
  const sent = range(45, (i) => quote('ETH', i));
  await publish(CH, 'quote', sent);
  await waitChannelEvents(ws, CH, 45);
  const got = reconstruct(ws, CH, libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  const fullSeqs = got.filter((e) => e.kind === 'full').map((e) => e.seq);
  assert.equal(fullSeqs[0], 1);
  assert.ok(longestDeltaRun(got) <= INTERVAL - 1, `at most ${INTERVAL - 1} deltas in a row, full at seqs ${fullSeqs}`);
  // Deltas are always much smaller here, so the interval is the only reason for a full message.
  assert.ok(fullSeqs.length <= Math.ceil(45 / INTERVAL) + 1, `too many full messages: ${fullSeqs}`);
  const gaps = fullSeqs.slice(1).map((s, i) => s - fullSeqs[i]);
  assert.ok(gaps.slice(1).every((g) => g === INTERVAL), `full messages every ${INTERVAL}: seqs ${fullSeqs}`);
});

test('full_message_interval from the config (5 on another server)', async (t) => {
  const srv = await startServer({ merge: { delta_compression: { ...DELTA_CONFIG, full_message_interval: 5 } }, label: 'interval-5' });
  t.after(() => srv.stop());
  const sdk = serverSdk(srv.port);
  const ws = await connectRaw(srv.port);
  t.after(() => ws.destroy());
  await enableDelta(ws, ['fossil']);
  await subscribeRaw(ws, 'five');
  const sent = range(30, (i) => quote('SOL', i));
  for (const d of sent) await sdk.trigger('five', 'quote', d);
  await waitChannelEvents(ws, 'five', 30);
  const got = reconstruct(ws, 'five', libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  const fullSeqs = got.filter((e) => e.kind === 'full').map((e) => e.seq);
  assert.ok(longestDeltaRun(got) <= 4, `at most 4 deltas in a row, full at ${fullSeqs}`);
  assert.ok(fullSeqs.length >= 6 && fullSeqs.length <= 7, `full at ${fullSeqs}`);
  assert.ok(counts(got).delta >= 23);
});

// A deterministic interleaving of symbols with uneven frequencies.
function interleave(symbols, n) {
  const order = [];
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 75 + 74) % 65537;
    order.push(symbols[(x >> 4) % symbols.length]);
  }
  for (const s of symbols) if (!order.includes(s)) order.push(s);
  return order;
}

function quotesFor(order, nested = false) {
  const n = {};
  return order.map((s) => {
    n[s] = (n[s] || 0) + 1;
    return quote(s, n[s] * 3, nested);
  });
}

test('conflation keys (channel setting): interleaved symbols keep separate streams', async (t) => {
  const CH = 'ticker-mixed';
  const ws = await h.raw(t);
  await enableDelta(ws, ['fossil', 'xdelta3']);
  await subscribeRaw(ws, CH);
  const order = interleave(['BTC', 'ETH', 'SOL'], 60);
  const sent = quotesFor(order);
  await publish(CH, 'quote', sent);
  await waitChannelEvents(ws, CH, sent.length);
  const got = reconstruct(ws, CH, libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  assert.deepEqual(got.map((e) => e.key), order, 'each message belongs to the stream of its own symbol');
  assertBasesArePrevious(got);
  for (const sym of ['BTC', 'ETH', 'SOL']) {
    const mine = got.filter((e) => e.key === sym);
    assert.deepEqual(mine.map((e) => e.seq), range(mine.length, (i) => i + 1), `${sym}: seq counts from 1 on its own`);
    assert.equal(mine[0].kind, 'full', `${sym}: first message full`);
    assert.ok(mine.some((e) => e.kind === 'delta'), `${sym}: some deltas`);
  }
  for (const e of got) {
    if (e.kind === 'full') assert.equal(e.msg.__conflation_key, JSON.parse(e.data).symbol, e.raw);
    else assert.equal(JSON.parse(e.msg.data).conflation_key, JSON.parse(e.data).symbol, e.raw);
    if (e.kind === 'delta') assert.equal(e.algorithm, 'fossil', 'ticker-* is configured for fossil');
  }
  assert.ok(longestDeltaRun(got) <= INTERVAL - 1);
});

test('conflation_key_path from the global config follows a nested path (quote.symbol)', async (t) => {
  const CH = 'nested-quotes';
  const ws = await h.raw(t);
  await enableDelta(ws, ['xdelta3']);
  await subscribeRaw(ws, CH);
  const order = interleave(['AAPL', 'MSFT'], 30);
  const sent = quotesFor(order, true);
  await publish(CH, 'quote', sent);
  await waitChannelEvents(ws, CH, sent.length);
  const got = reconstruct(ws, CH, libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  assert.deepEqual(got.map((e) => e.key), order);
  assertBasesArePrevious(got);
  for (const sym of ['AAPL', 'MSFT']) {
    const mine = got.filter((e) => e.key === sym);
    assert.deepEqual(mine.map((e) => e.seq), range(mine.length, (i) => i + 1), `${sym} seqs`);
    assert.ok(mine.some((e) => e.kind === 'delta'), `${sym}: some deltas`);
  }
  assert.ok(got.filter((e) => e.kind === 'delta').every((e) => e.algorithm === 'xdelta3'));
});

test('per-channel settings: exact name beats a pattern, the most specific pattern wins', async (t) => {
  const ws = await h.raw(t);
  assert.equal((await enableDelta(ws, ['fossil', 'xdelta3'])).algorithm, 'fossil');
  for (const ch of ['ticker-x-eth', 'ticker-off', 'plain-foo']) await subscribeRaw(ws, ch);
  const sent = range(15, (i) => quote('ETH', i));
  for (const ch of ['ticker-x-eth', 'ticker-off', 'plain-foo']) await publish(ch, 'quote', sent);
  for (const ch of ['ticker-x-eth', 'ticker-off', 'plain-foo']) await waitChannelEvents(ws, ch, 15);

  const x = reconstruct(ws, 'ticker-x-eth', libs);
  assert.deepEqual(x.map((e) => e.data), sent);
  assert.ok(counts(x).delta >= 10, `ticker-x-eth: deltas expected, got ${JSON.stringify(counts(x))}`);
  assert.ok(x.filter((e) => e.kind === 'delta').every((e) => e.algorithm === 'xdelta3'), 'ticker-x-* (more specific than ticker-*) uses xdelta3');
  assert.ok(x.every((e) => e.key === 'ETH'), 'ticker-x-* conflates on symbol');

  assertPlainFrames(ws, 'ticker-off', sent); // exact "disabled" beats ticker-*
  assertPlainFrames(ws, 'plain-foo', sent);
});

test('delta_sync_error: the next message of every stream of the channel comes in full', async (t) => {
  const CH = 'ticker-sync';
  const ws = await h.raw(t);
  await enableDelta(ws, ['fossil']);
  await subscribeRaw(ws, CH);
  const all = quotesFor(range(18, (i) => (i % 2 ? 'ETH' : 'BTC')));
  const first = all.slice(0, 8);
  const second = all.slice(8);
  await publish(CH, 'quote', first);
  await waitChannelEvents(ws, CH, first.length);
  const before = reconstruct(ws, CH, libs);
  assert.equal(before[before.length - 1].kind, 'delta', 'stream is in delta mode before the sync error');
  assert.equal(before[before.length - 2].kind, 'delta');

  ws.send({ event: 'pusher:delta_sync_error', data: { channel: CH } });
  await roundTrip(ws);
  await publish(CH, 'quote', second);
  await waitChannelEvents(ws, CH, first.length + second.length);
  const got = reconstruct(ws, CH, libs);
  assert.deepEqual(got.map((e) => e.data), [...first, ...second]);
  const after = got.slice(first.length);
  assert.equal(after[0].kind, 'full', `BTC after the sync error: ${after[0].raw}`);
  assert.equal(after[1].kind, 'full', `ETH after the sync error: ${after[1].raw}`);
  assert.equal(after[2].kind, 'delta', 'deltas resume after the full message');
  assert.equal(after[3].kind, 'delta');
  assertBasesArePrevious(got);
});

test('encrypted channels never get deltas', async (t) => {
  const CH = 'private-encrypted-deltas';
  const ws = await h.raw(t);
  await enableDelta(ws);
  ws.send({ event: 'pusher:subscribe', data: { channel: CH, auth: h.sdk.authorizeChannel(ws.socketId, CH).auth } });
  await ws.waitEvent('pusher_internal:subscription_succeeded', (m) => m.channel === CH);
  // One nonce for every message (never do that for real): the ciphertexts then share most of
  // their bytes, so deltas would be small if the server computed any.
  const nacl = require('tweetnacl');
  const key = h.sdk.channelSharedSecret(CH);
  const nonce = nacl.randomBytes(24);
  const sent = range(12, (i) =>
    JSON.stringify({
      nonce: Buffer.from(nonce).toString('base64'),
      ciphertext: Buffer.from(nacl.secretbox(Buffer.from(quote('BTC', i)), nonce, key)).toString('base64'),
    }),
  );
  const plain = serverSdk(h.port); // no master key: posts the data as given
  for (const data of sent) await plain.post({ path: '/events', body: { name: 'boxed', channels: [CH], data } });
  await waitChannelEvents(ws, CH, sent.length);
  assertPlainFrames(ws, CH, sent);
});

test('"delta": false in the subscribe data gives that channel plain frames', async (t) => {
  const ws = await h.raw(t);
  await enableDelta(ws, ['fossil']);
  await subscribeRaw(ws, 'stream-nodelta', { delta: false });
  await subscribeRaw(ws, 'stream-withdelta');
  const sent = range(15, (i) => quote('ADA', i));
  await publish('stream-nodelta', 'quote', sent);
  await publish('stream-withdelta', 'quote', sent);
  await waitChannelEvents(ws, 'stream-nodelta', 15);
  await waitChannelEvents(ws, 'stream-withdelta', 15);
  assertPlainFrames(ws, 'stream-nodelta', sent);
  const other = reconstruct(ws, 'stream-withdelta', libs);
  assert.deepEqual(other.map((e) => e.data), sent);
  assert.ok(counts(other).delta >= 10, 'the other channel still gets deltas');
});

test('"delta": "xdelta3" in the subscribe data picks the algorithm for that channel', async (t) => {
  const ws = await h.raw(t);
  assert.equal((await enableDelta(ws, ['fossil', 'xdelta3'])).algorithm, 'fossil');
  await subscribeRaw(ws, 'stream-persub-x', { delta: 'xdelta3' });
  await subscribeRaw(ws, 'stream-persub-f');
  const sent = range(15, (i) => quote('DOT', i));
  await publish('stream-persub-x', 'quote', sent);
  await publish('stream-persub-f', 'quote', sent);
  await waitChannelEvents(ws, 'stream-persub-x', 15);
  await waitChannelEvents(ws, 'stream-persub-f', 15);
  const x = reconstruct(ws, 'stream-persub-x', libs);
  const f = reconstruct(ws, 'stream-persub-f', libs);
  assert.deepEqual(x.map((e) => e.data), sent);
  assert.deepEqual(f.map((e) => e.data), sent);
  assert.ok(counts(x).delta >= 10 && counts(f).delta >= 10);
  assert.ok(x.filter((e) => e.kind === 'delta').every((e) => e.algorithm === 'xdelta3'), 'per-subscription xdelta3');
  assert.ok(f.filter((e) => e.kind === 'delta').every((e) => e.algorithm === 'fossil'), 'negotiated fossil elsewhere');
});

test('"delta": "fossil" in the subscribe data opts in that channel only', async (t) => {
  const ws = await h.raw(t); // never sends pusher:enable_delta_compression
  await subscribeRaw(ws, 'stream-optin', { delta: 'fossil' });
  await subscribeRaw(ws, 'stream-optout');
  const sent = range(15, (i) => quote('XRP', i));
  await publish('stream-optin', 'quote', sent);
  await publish('stream-optout', 'quote', sent);
  await waitChannelEvents(ws, 'stream-optin', 15);
  await waitChannelEvents(ws, 'stream-optout', 15);
  const got = reconstruct(ws, 'stream-optin', libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  assert.ok(counts(got).delta >= 10, `deltas on the opted-in channel, got ${JSON.stringify(counts(got))}`);
  assertPlainFrames(ws, 'stream-optout', sent);
});

test('messages whose delta would not be smaller go out full', async (t) => {
  const CH = 'stream-random';
  const ws = await h.raw(t);
  await enableDelta(ws, ['fossil']);
  await subscribeRaw(ws, CH);
  const sent = range(10, () => JSON.stringify({ blob: crypto.randomBytes(150).toString('base64') }));
  await publish(CH, 'blob', sent);
  await waitChannelEvents(ws, CH, 10);
  const got = reconstruct(ws, CH, libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  assert.deepEqual(got.map((e) => e.kind), sent.map(() => 'full'));
});

test('messages below min_message_size go out full', async (t) => {
  const CH = 'stream-small';
  const ws = await h.raw(t);
  await enableDelta(ws, ['fossil']);
  await subscribeRaw(ws, CH);
  const sent = range(12, (i) => JSON.stringify({ small: 'same same same same same', i })); // < 100 bytes
  await publish(CH, 'tiny', sent);
  await waitChannelEvents(ws, CH, 12);
  const got = reconstruct(ws, CH, libs);
  assert.deepEqual(got.map((e) => e.data), sent);
  assert.deepEqual(got.map((e) => e.kind), sent.map(() => 'full'), 'no deltas below min_message_size');
});

test('a late subscriber starts with a full message; the early one keeps its deltas', async (t) => {
  const CH = 'stream-late';
  const a = await h.raw(t, { label: 'early' });
  await enableDelta(a, ['fossil']);
  await subscribeRaw(a, CH);
  const sent = range(16, (i) => quote('LTC', i));
  await publish(CH, 'quote', sent.slice(0, 6));
  await waitChannelEvents(a, CH, 6);
  const b = await h.raw(t, { label: 'late' });
  await enableDelta(b, ['xdelta3']);
  await subscribeRaw(b, CH);
  await publish(CH, 'quote', sent.slice(6));
  await waitChannelEvents(a, CH, 16);
  await waitChannelEvents(b, CH, 10);
  const ga = reconstruct(a, CH, libs);
  const gb = reconstruct(b, CH, libs);
  assert.deepEqual(ga.map((e) => e.data), sent);
  assert.deepEqual(gb.map((e) => e.data), sent.slice(6));
  assert.equal(gb[0].kind, 'full', `late subscriber's first message: ${gb[0].raw}`);
  assert.ok(counts(gb).delta >= 7);
  assert.ok(gb.filter((e) => e.kind === 'delta').every((e) => e.algorithm === 'xdelta3'));
  assert.equal(ga[6].kind, 'delta', 'the early subscriber is not reset by the late one');
  assertBasesArePrevious(ga);
  assertBasesArePrevious(gb);
});

test('omit_delta_algorithm: delta frames leave out the algorithm', async (t) => {
  const srv = await startServer({ merge: { delta_compression: { ...DELTA_CONFIG, omit_delta_algorithm: true } }, label: 'omit-algorithm' });
  t.after(() => srv.stop());
  const sdk = serverSdk(srv.port);
  const ws = await connectRaw(srv.port);
  t.after(() => ws.destroy());
  assert.equal((await enableDelta(ws, ['xdelta3'])).algorithm, 'xdelta3');
  await subscribeRaw(ws, 'omit');
  const sent = range(12, (i) => quote('BNB', i));
  for (const d of sent) await sdk.trigger('omit', 'quote', d);
  await waitChannelEvents(ws, 'omit', 12);
  const got = reconstruct(ws, 'omit', libs, { algorithm: 'xdelta3' });
  assert.deepEqual(got.map((e) => e.data), sent);
  const deltas = got.filter((e) => e.kind === 'delta');
  assert.ok(deltas.length >= 8);
  assert.ok(deltas.every((e) => !('algorithm' in JSON.parse(e.msg.data))), `algorithm left out: ${deltas[0] && deltas[0].raw}`);
});

test('delta compression disabled globally: enable_delta_compression changes nothing', async (t) => {
  const srv = await startServer({ merge: { delta_compression: { ...DELTA_CONFIG, enabled: false } }, label: 'delta-off' });
  t.after(() => srv.stop());
  const sdk = serverSdk(srv.port);
  const ws = await connectRaw(srv.port);
  t.after(() => ws.destroy());
  ws.send({ event: 'pusher:enable_delta_compression', data: { algorithms: ['fossil'] } });
  await subscribeRaw(ws, 'off');
  const sent = range(12, (i) => quote('TRX', i));
  for (const d of sent) await sdk.trigger('off', 'quote', d);
  await waitChannelEvents(ws, 'off', 12);
  assertPlainFrames(ws, 'off', sent);
});
