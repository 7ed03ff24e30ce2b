'use strict';
// sockudo's tag filtering extension: events published with "tags" reach a subscriber only when
// its subscribe-time filter matches; everyone else on the channel is unaffected.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { loadDecoders, reconstruct, waitChannelEvents, enableDelta, subscribeRaw, quote } = require('../lib/delta');

const h = useServer({ merge: { tag_filtering: { enabled: true, enable_tags: true } } });
const hNoTags = useServer({ merge: { tag_filtering: { enabled: true, enable_tags: false } } });

let libs;
before(async () => {
  libs = await loadDecoders();
});

// The events every filter test publishes, in this order (id -> tags; 5 has none).
const EVENTS = [
  [1, { asset: 'BTC', market: 'spot', price: '100' }],
  [2, { asset: 'ETH', market: 'spot', price: '50' }],
  [3, { asset: 'BTC', market: 'perp', price: '150' }],
  [4, { asset: 'SOL', price: '20' }],
  [5, null],
  [6, { asset: 'DOGE', market: 'spot', price: 'abc' }],
  [7, { asset: 'BTCUSD', market: 'spot', price: '99.5' }],
];

const eq = (key, val) => ({ key, cmp: 'eq', val });

// [name, filter, ids it must receive, tags of a sentinel it matches]
const CASES = [
  ['eq', eq('asset', 'BTC'), [1, 3], { asset: 'BTC' }],
  ['neq (missing tag: true)', { key: 'asset', cmp: 'neq', val: 'BTC' }, [2, 4, 5, 6, 7], { asset: 'X' }],
  ['in', { key: 'asset', cmp: 'in', vals: ['BTC', 'ETH'] }, [1, 2, 3], { asset: 'ETH' }],
  ['nin (missing tag: true)', { key: 'asset', cmp: 'nin', vals: ['BTC', 'ETH'] }, [4, 5, 6, 7], {}],
  ['ex', { key: 'market', cmp: 'ex' }, [1, 2, 3, 6, 7], { market: 'x' }],
  ['nex (missing tag: true)', { key: 'market', cmp: 'nex' }, [4, 5], {}],
  ['sw', { key: 'asset', cmp: 'sw', val: 'BTC' }, [1, 3, 7], { asset: 'BTC' }],
  ['ew', { key: 'asset', cmp: 'ew', val: 'USD' }, [7], { asset: 'USD' }],
  ['ct', { key: 'asset', cmp: 'ct', val: 'O' }, [4, 6], { asset: 'O' }],
  ['gt (numeric; non-numeric and missing: false)', { key: 'price', cmp: 'gt', val: '99' }, [1, 3, 7], { price: '1000' }],
  ['gte', { key: 'price', cmp: 'gte', val: '100' }, [1, 3], { price: '100' }],
  ['lt', { key: 'price', cmp: 'lt', val: '60' }, [2, 4], { price: '1' }],
  ['lte', { key: 'price', cmp: 'lte', val: '50' }, [2, 4], { price: '50' }],
  ['and', { op: 'and', nodes: [eq('asset', 'BTC'), eq('market', 'spot')] }, [1], { asset: 'BTC', market: 'spot' }],
  ['or', { op: 'or', nodes: [eq('asset', 'ETH'), eq('asset', 'SOL')] }, [2, 4], { asset: 'SOL' }],
  ['not', { op: 'not', nodes: [eq('asset', 'BTC')] }, [2, 4, 5, 6, 7], {}],
  [
    'nested and/not/in',
    { op: 'and', nodes: [{ key: 'market', cmp: 'ex' }, { op: 'not', nodes: [{ key: 'asset', cmp: 'in', vals: ['BTC', 'ETH'] }] }] },
    [6, 7],
    { market: 'spot', asset: 'Z' },
  ],
];

function errorData(msg) {
  return typeof msg.data === 'string' ? JSON.parse(msg.data) : msg.data;
}

// Events named `event` on `channel` as parsed data objects.
function received(ws, channel, event) {
  return ws.events(event).filter((m) => m.channel === channel);
}

async function publishEvents(sdk, channel) {
  for (const [id, tags] of EVENTS) {
    const res = await sdk.trigger(channel, 'ev', { id }, tags ? { tags } : {});
    assert.equal(res.status, 200);
  }
}

test('each operator delivers exactly the matching events; unfiltered subscribers get everything', async (t) => {
  const CH = 'tf-ops';
  const socks = [];
  for (const [name, filter] of CASES) {
    const ws = await h.raw(t, { label: name });
    await subscribeRaw(ws, CH, { filter });
    socks.push(ws);
  }
  const all = await h.raw(t, { label: 'unfiltered' });
  await subscribeRaw(all, CH);
  const js = await h.client(t, { label: 'pusher-js' });
  const rec = js.record(await js.subscribe(CH));

  await publishEvents(h.sdk, CH);
  for (const [name, , , tags] of CASES) await h.sdk.trigger(CH, 'sentinel', { for: name }, { tags });

  for (let i = 0; i < CASES.length; i++) {
    const [name, filter, ids] = CASES[i];
    const ws = socks[i];
    await ws.waitEvent('sentinel', (m) => JSON.parse(m.data).for === name);
    const got = received(ws, CH, 'ev').map((m) => JSON.parse(m.data).id);
    assert.deepEqual(got, ids, `${name}: ${JSON.stringify(filter)}`);
  }

  await all.waitEvent('sentinel', (m) => JSON.parse(m.data).for === CASES[CASES.length - 1][0]);
  const frames = received(all, CH, 'ev');
  assert.deepEqual(frames.map((m) => JSON.parse(m.data).id), EVENTS.map(([id]) => id));
  // enable_tags (default true): delivered frames carry the published tags.
  frames.forEach((m, i) => {
    const tags = EVENTS[i][1];
    if (tags) assert.deepEqual(m.tags, tags, `frame of event ${i + 1}: ${JSON.stringify(m)}`);
    else assert.ok(m.tags === undefined || Object.keys(m.tags).length === 0, `event without tags: ${JSON.stringify(m)}`);
  });
  await rec.waitForCount((e) => e.event === 'ev', EVENTS.length, 'every event on pusher-js');
  assert.deepEqual(rec.all((e) => e.event === 'ev').map((e) => e.data.id), EVENTS.map(([id]) => id));
});

test('invalid filters get pusher:error naming the problem and no subscription', async (t) => {
  let deep = eq('asset', 'BTC');
  for (let i = 0; i < 20; i++) deep = { op: 'not', nodes: [deep] };
  const cases = [
    ['unknown comparison', { key: 'asset', cmp: 'like', val: 'B%' }, /like|cmp/i],
    ['unknown operator', { op: 'xor', nodes: [eq('asset', 'BTC'), eq('asset', 'ETH')] }, /xor|op/i],
    ['not with two nodes', { op: 'not', nodes: [eq('asset', 'BTC'), eq('asset', 'ETH')] }, /not/i],
    ['too deep (20 levels)', deep, /deep|depth|nest/i],
  ];
  for (const [what, filter, named] of cases) {
    const CH = `tf-invalid-${what.replace(/[^a-z0-9]+/gi, '-')}`;
    const ws = await h.raw(t, { label: what });
    ws.send({ event: 'pusher:subscribe', data: { channel: CH, filter } });
    const err = await ws.waitEvent('pusher:error');
    const data = errorData(err.msg);
    assert.equal(typeof data.message, 'string', `${what}: ${err.raw}`);
    assert.match(data.message, named, `${what}: the error names the problem: ${err.raw}`);
    const subErr = await ws.waitEvent('pusher:subscription_error', (m) => m.channel === CH);
    assert.ok(subErr, `${what}: pusher:subscription_error on ${CH}`);
    await subscribeRaw(ws, 'tf-after-invalid'); // the socket stays usable
    assert.equal(received(ws, CH, 'pusher_internal:subscription_succeeded').length, 0, `${what}: not subscribed`);
    const res = await h.sdk.get({ path: `/channels/${CH}`, params: { info: 'subscription_count' } });
    assert.equal((await res.json()).occupied, false, `${what}: ${CH} has no subscriber`);
  }
});

test('enable_tags: false strips "tags" from delivered frames; filters still apply', async (t) => {
  const CH = 'tf-notags';
  const f = await hNoTags.raw(t, { label: 'filtered' });
  await subscribeRaw(f, CH, { filter: eq('asset', 'BTC') });
  const all = await hNoTags.raw(t, { label: 'unfiltered' });
  await subscribeRaw(all, CH);
  await publishEvents(hNoTags.sdk, CH);
  await hNoTags.sdk.trigger(CH, 'sentinel', {}, { tags: { asset: 'BTC' } });
  await f.waitEvent('sentinel');
  await all.waitEvent('sentinel');
  assert.deepEqual(received(f, CH, 'ev').map((m) => JSON.parse(m.data).id), [1, 3]);
  assert.deepEqual(received(all, CH, 'ev').map((m) => JSON.parse(m.data).id), EVENTS.map(([id]) => id));
  for (const m of [...received(f, CH, 'ev'), ...received(all, CH, 'ev'), ...received(all, CH, 'sentinel')]) {
    assert.deepEqual(Object.keys(m).sort(), ['channel', 'data', 'event'], JSON.stringify(m));
  }
});

test('tags on /batch_events are filtered the same way and emitted', async (t) => {
  const CH = 'tf-batch';
  const f = await h.raw(t, { label: 'filtered' });
  await subscribeRaw(f, CH, { filter: { key: 'asset', cmp: 'in', vals: ['ETH', 'SOL'] } });
  const all = await h.raw(t, { label: 'unfiltered' });
  await subscribeRaw(all, CH);
  const res = await h.sdk.triggerBatch([
    { channel: CH, name: 'ev', data: { id: 1 }, tags: { asset: 'BTC' } },
    { channel: CH, name: 'ev', data: { id: 2 }, tags: { asset: 'ETH' } },
    { channel: CH, name: 'ev', data: { id: 3 } },
    { channel: CH, name: 'ev', data: { id: 4 }, tags: { asset: 'SOL' } },
    { channel: CH, name: 'sentinel', data: {}, tags: { asset: 'SOL' } },
  ]);
  assert.equal(res.status, 200);
  await f.waitEvent('sentinel');
  await all.waitEvent('sentinel');
  const got = received(f, CH, 'ev');
  assert.deepEqual(got.map((m) => JSON.parse(m.data).id), [2, 4]);
  assert.deepEqual(got.map((m) => m.tags), [{ asset: 'ETH' }, { asset: 'SOL' }]);
  assert.deepEqual(received(all, CH, 'ev').map((m) => JSON.parse(m.data).id), [1, 2, 3, 4]);
});

test('filter + delta: a filtered socket gets deltas based only on messages it received', async (t) => {
  const CH = 'tf-delta';
  const f = await h.raw(t, { label: 'filtered delta' });
  await enableDelta(f, ['fossil']);
  await subscribeRaw(f, CH, { filter: eq('asset', 'BTC') });
  const x = await h.raw(t, { label: 'filtered xdelta3' });
  await enableDelta(x, ['xdelta3']);
  await subscribeRaw(x, CH, { filter: eq('asset', 'ETH') });
  const all = await h.raw(t, { label: 'unfiltered delta' });
  await enableDelta(all, ['fossil']);
  await subscribeRaw(all, CH);

  const sent = [];
  for (let i = 0; i < 40; i++) {
    // Irregular pattern so that "the previous message of the channel" is often the other asset.
    const asset = [0, 1, 1, 0, 1, 0, 0, 0, 1, 1][i % 10] ? 'ETH' : 'BTC';
    const data = quote(asset, i);
    sent.push({ asset, data });
    await h.sdk.trigger(CH, 'quote', data, { tags: { asset } });
  }
  const btc = sent.filter((s) => s.asset === 'BTC').map((s) => s.data);
  const eth = sent.filter((s) => s.asset === 'ETH').map((s) => s.data);
  await waitChannelEvents(f, CH, btc.length);
  await waitChannelEvents(x, CH, eth.length);
  await waitChannelEvents(all, CH, sent.length);

  for (const [ws, expected, name] of [[f, btc, 'BTC'], [x, eth, 'ETH'], [all, sent.map((s) => s.data), 'all']]) {
    const got = reconstruct(ws, CH, libs); // throws when a base was never delivered to this socket
    assert.deepEqual(got.map((e) => e.data), expected, `${name}: reconstructed data`);
    const deltas = got.filter((e) => e.kind === 'delta');
    assert.ok(deltas.length >= expected.length / 2, `${name}: deltas expected, got ${deltas.length} of ${expected.length}`);
    for (const e of deltas) assert.equal(e.baseSeq, e.prevSeq, `${name}: base ${e.baseSeq} is not the previous message received (${e.prevSeq}): ${e.raw}`);
  }
  // The BTC-filtered socket never saw an ETH message, not even as a delta base.
  assert.ok(reconstruct(f, CH, libs).every((e) => JSON.parse(e.data).symbol === 'BTC'));
});

test('protocol events and client events reach filtered subscribers', async (t) => {
  const NONE = eq('asset', 'nothing-matches-this');

  // subscription_count on a public channel
  const a = await h.raw(t, { label: 'filtered count' });
  await subscribeRaw(a, 'tf-count', { filter: NONE });
  const from = a.frames.items.length;
  const b = await h.raw(t, { label: 'second' });
  await subscribeRaw(b, 'tf-count');
  await a.waitEvent(
    'pusher_internal:subscription_count',
    (m) => m.channel === 'tf-count' && JSON.parse(m.data).subscription_count === 2,
    5000,
    from,
  );

  // client events on a private channel
  const CH = 'private-tf-chat';
  const p = await h.raw(t, { label: 'filtered private' });
  await subscribeRaw(p, CH, { auth: h.sdk.authorizeChannel(p.socketId, CH).auth, filter: NONE });
  const q = await h.raw(t, { label: 'sender' });
  await subscribeRaw(q, CH, { auth: h.sdk.authorizeChannel(q.socketId, CH).auth });
  q.send({ event: 'client-hello', channel: CH, data: { hi: 1 } });
  const ce = await p.waitEvent('client-hello', (m) => m.channel === CH);
  assert.deepEqual(typeof ce.msg.data === 'string' ? JSON.parse(ce.msg.data) : ce.msg.data, { hi: 1 });

  // member_added on a presence channel
  const PCH = 'presence-tf-room';
  const m1 = await h.raw(t, { label: 'filtered member' });
  const auth1 = h.sdk.authorizeChannel(m1.socketId, PCH, { user_id: 'u1', user_info: {} });
  await subscribeRaw(m1, PCH, { auth: auth1.auth, channel_data: auth1.channel_data, filter: NONE });
  const m2 = await h.raw(t, { label: 'joining member' });
  const auth2 = h.sdk.authorizeChannel(m2.socketId, PCH, { user_id: 'u2', user_info: {} });
  await subscribeRaw(m2, PCH, { auth: auth2.auth, channel_data: auth2.channel_data });
  const added = await m1.waitEvent('pusher_internal:member_added', (m) => m.channel === PCH);
  assert.equal(JSON.parse(added.msg.data).user_id, 'u2');

  // ... while HTTP events are still filtered for them.
  await h.sdk.trigger(PCH, 'ev', { id: 1 }, { tags: { asset: 'BTC' } });
  await h.sdk.trigger(PCH, 'sentinel', {}, { tags: { asset: 'nothing-matches-this' } });
  await m1.waitEvent('sentinel');
  await m2.waitEvent('ev');
  assert.equal(received(m1, PCH, 'ev').length, 0);
});
