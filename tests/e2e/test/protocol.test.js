'use strict';
// Raw wire checks (exact frames and close codes), health and metrics endpoints.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { useServer } = require('../lib/harness');
const { openRaw, connectRaw, waitClosed } = require('../lib/rawws');

const h = useServer();

function httpGet(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

test('GET /up answers 200', async () => {
  const res = await httpGet(h.port, '/up');
  assert.equal(res.status, 200);
});

test('metrics port serves Prometheus text with the sockudo_ prefix', async () => {
  const res = await httpGet(h.metricsPort, '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.body, /^sockudo_/m);
});

test('handshake frame: data is a JSON string with socket_id and activity_timeout', async (t) => {
  const ws = await h.raw(t);
  const f = ws.established;
  assert.equal(f.msg.event, 'pusher:connection_established');
  assert.equal(typeof f.msg.data, 'string', `data must be a JSON string, got ${f.raw}`);
  const data = JSON.parse(f.msg.data);
  assert.match(data.socket_id, /^\d+\.\d+$/);
  assert.equal(data.activity_timeout, 30);
  assert.equal(f.msg.channel, undefined);
});

test('protocol 6 (pysher) is accepted', async (t) => {
  const ws = await h.raw(t, { query: 'protocol=6&client=python&version=1.0' });
  assert.match(ws.socketId, /^\d+\.\d+$/);
});

test('pusher:ping gets pusher:pong', async (t) => {
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:ping', data: {} });
  const pong = await ws.waitEvent('pusher:pong');
  assert.equal(pong.msg.event, 'pusher:pong');
});

test('pusher:ping with data "" gets pusher:pong', async (t) => {
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:ping', data: '' });
  await ws.waitEvent('pusher:pong');
});

test('a protocol-level ping gets a pong', async (t) => {
  const ws = await h.raw(t);
  ws.ping('hi');
  await ws.frames.waitFor((f) => f.pong === true, 'pong frame');
});

test('unknown app key: pusher:error 4001 then close 4001', async () => {
  const ws = await openRaw(h.port, { key: 'no-such-key' });
  try {
    const err = await ws.waitEvent('pusher:error');
    const data = typeof err.msg.data === 'string' ? JSON.parse(err.msg.data) : err.msg.data;
    assert.equal(data.code, 4001);
    assert.equal(typeof data.message, 'string');
    const closed = await waitClosed(ws);
    assert.equal(closed.code, 4001);
    assert.equal(ws.events('pusher:connection_established').length, 0);
  } finally {
    ws.destroy();
  }
});

test('unsupported protocol version is refused with 4007', async () => {
  const ws = await openRaw(h.port, { query: 'protocol=1&client=js&version=1.0' });
  try {
    const closed = await waitClosed(ws);
    assert.equal(closed.code, 4007);
    assert.equal(ws.events('pusher:connection_established').length, 0);
  } finally {
    ws.destroy();
  }
});

test('public subscribe: exact subscription_succeeded frame', async (t) => {
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: 'raw-public', auth: '' } });
  const f = await ws.waitEvent('pusher_internal:subscription_succeeded');
  assert.equal(f.msg.channel, 'raw-public');
  assert.equal(typeof f.msg.data, 'string');
  assert.deepEqual(JSON.parse(f.msg.data), {});
});

test('triggered data string is relayed byte for byte, double encoded', async (t) => {
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: 'raw-bytes' } });
  await ws.waitEvent('pusher_internal:subscription_succeeded');
  // Odd spacing and unicode: the server must not re-serialise the data string.
  const data = '{ "b":2,  "a" : [1,2 ,3], "s":"h\\u00e9llo ✓" }';
  const res = await h.sdk.trigger('raw-bytes', 'my-event', data);
  assert.equal(res.status, 200);
  const f = await ws.waitEvent('my-event');
  assert.deepEqual(Object.keys(f.msg).sort(), ['channel', 'data', 'event']);
  assert.equal(f.msg.channel, 'raw-bytes');
  assert.equal(f.msg.data, data);
});

test('invalid channel name is rejected and not subscribed', async (t) => {
  const ws = await h.raw(t);
  const bad = 'x'.repeat(165);
  ws.send({ event: 'pusher:subscribe', data: { channel: bad } });
  ws.send({ event: 'pusher:subscribe', data: { channel: 'bad$chars' } });
  ws.send({ event: 'pusher:subscribe', data: { channel: 'after-bad' } });
  await ws.waitEvent('pusher_internal:subscription_succeeded', (m) => m.channel === 'after-bad');
  const ok = ws.events('pusher_internal:subscription_succeeded').map((m) => m.channel);
  assert.deepEqual(ok, ['after-bad']);
  assert.ok(ws.events('pusher:error').length >= 2, 'each bad subscribe should get a pusher:error');
});

test('a client cannot subscribe to another user\'s #server-to-user channel', async (t) => {
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-42', auth: '' } });
  ws.send({ event: 'pusher:subscribe', data: { channel: 'after-reserved' } });
  await ws.waitEvent('pusher_internal:subscription_succeeded', (m) => m.channel === 'after-reserved');
  await h.sdk.sendToUser('42', 'secret-event', { x: 1 });
  await h.sdk.trigger('after-reserved', 'sentinel', {});
  await ws.waitEvent('sentinel');
  assert.equal(ws.events('secret-event').length, 0);
  assert.deepEqual(
    ws.events('pusher_internal:subscription_succeeded').map((m) => m.channel),
    ['after-reserved'],
  );
});

test('pusher:unsubscribe gets no reply and stops delivery', async (t) => {
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: 'raw-unsub' } });
  await ws.waitEvent('pusher_internal:subscription_succeeded');
  const before = ws.frames.items.length;
  ws.send({ event: 'pusher:unsubscribe', data: { channel: 'raw-unsub' } });
  ws.send({ event: 'pusher:ping', data: {} });
  await ws.waitEvent('pusher:pong');
  const after = ws.frames.items
    .slice(before)
    .map((f) => f.msg && f.msg.event)
    .filter((e) => e !== 'pusher_internal:subscription_count'); // sent on subscribe, may trail
  assert.deepEqual(after, ['pusher:pong']);
  await h.sdk.trigger('raw-unsub', 'late', {});
  ws.send({ event: 'pusher:ping', data: {} });
  await ws.frames.waitFor((f) => f.msg && f.msg.event === 'pusher:pong', 'second pong', 5000, before + 1);
  assert.equal(ws.events('late').length, 0);
});
