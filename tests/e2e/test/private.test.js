'use strict';
// Private channels: signed subscriptions with pusher-js, and rejection of bad signatures.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { serverSdk, waitChannelEvent, sleep } = require('../lib/clients');

const h = useServer();

test('a correctly signed private subscription succeeds and receives events', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const ch = await a.subscribe('private-orders');
  const got = waitChannelEvent(ch, 'order-created', 5000);
  await h.sdk.trigger('private-orders', 'order-created', { id: 7, total: '9.99' });
  assert.deepEqual((await got).data, { id: 7, total: '9.99' });
});

// Waits for any of the ways a rejection can surface in pusher-js.
function rejection(client, channel, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `no rejection within ${timeoutMs} ms for ${channel.name}; events seen:\n` +
              client.events.items.map((e) => '  ' + JSON.stringify(e)).join('\n'),
          ),
        ),
      timeoutMs,
    );
    const done = (how, data) => {
      clearTimeout(timer);
      resolve({ how, data });
    };
    channel.bind('pusher:subscription_error', (d) => done('subscription_error', d));
    channel.bind('pusher:error', (d) => done('channel pusher:error', d));
    client.pusher.connection.bind('error', (e) => {
      if (e && e.type === 'PusherError') done('connection pusher:error', e.data);
    });
    channel.bind('pusher:subscription_succeeded', () => {
      clearTimeout(timer);
      reject(new Error(`subscription to ${channel.name} succeeded with a bad signature`));
    });
  });
}

test('a private subscription signed with the wrong secret is rejected', async (t) => {
  const wrongSdk = serverSdk(h.port, { secret: 'not-the-secret' });
  const a = await h.client(t, { label: 'bad', sdk: wrongSdk });
  const ch = a.pusher.subscribe('private-vault');
  const r = await rejection(a, ch);
  assert.ok(r.how);
  assert.equal(ch.subscribed, false);

  // And it really is not subscribed: a trigger does not reach it.
  const good = await h.client(t, { label: 'good' });
  const gch = await good.subscribe('private-vault');
  const got = waitChannelEvent(gch, 'gold', 5000);
  await h.sdk.trigger('private-vault', 'gold', { bars: 3 });
  await got;
  await sleep(200);
  assert.equal(a.events.count((e) => e.event === 'gold'), 0);
  // The rejected client's connection is still usable for other channels.
  await a.subscribe('public-after-reject');
});

test('a private subscription signed for another socket id is rejected', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  // hand-craft a subscribe whose auth was signed for b's socket
  const auth = h.sdk.authorizeChannel(b.socketId, 'private-stolen').auth;
  a.pusher.send_event('pusher:subscribe', { channel: 'private-stolen', auth });
  await a.events.waitFor(
    (e) => e.event === 'pusher:error' || e.event === 'pusher:subscription_error',
    'an error for the stolen auth',
  );
  assert.equal(
    a.events.count((e) => e.event === 'pusher_internal:subscription_succeeded' && e.channel === 'private-stolen'),
    0,
  );
});

test('a private subscription without auth is rejected (raw)', async (t) => {
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: 'private-noauth' } });
  ws.send({ event: 'pusher:subscribe', data: { channel: 'private-badauth', auth: 'key-1:deadbeef' } });
  ws.send({ event: 'pusher:subscribe', data: { channel: 'private-wrongkey', auth: 'other-key:' + 'a'.repeat(64) } });
  const good = h.sdk.authorizeChannel(ws.socketId, 'private-ok').auth;
  ws.send({ event: 'pusher:subscribe', data: { channel: 'private-ok', auth: good } });
  await ws.waitEvent('pusher_internal:subscription_succeeded', (m) => m.channel === 'private-ok');
  assert.deepEqual(
    ws.events('pusher_internal:subscription_succeeded').map((m) => m.channel),
    ['private-ok'],
  );
  await ws.frames.waitForCount(
    (f) => f.msg && (f.msg.event === 'pusher:error' || f.msg.event === 'pusher:subscription_error'),
    3,
    'three rejections',
  );
});

test('signature vector from the protocol reference is accepted by the SDK and server alike', async (t) => {
  // The SDK's signature over "{socket_id}:{channel}" must be what the server checks.
  const ws = await h.raw(t);
  const crypto = require('node:crypto');
  const sig = crypto.createHmac('sha256', 'secret-1').update(`${ws.socketId}:private-manual`).digest('hex');
  ws.send({ event: 'pusher:subscribe', data: { channel: 'private-manual', auth: `key-1:${sig}` } });
  const f = await ws.waitEvent('pusher_internal:subscription_succeeded');
  assert.equal(f.msg.channel, 'private-manual');
});
