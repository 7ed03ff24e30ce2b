'use strict';
// App states, per-app limits and graceful shutdown. Some tests start their own server.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { startServer, defaultApp } = require('../lib/server');
const { serverSdk } = require('../lib/clients');
const { openRaw, connectRaw, waitClosed } = require('../lib/rawws');

const DISABLED = { id: 'app-off', key: 'key-off', secret: 'secret-off' };
const SMALL = { id: 'app-small', key: 'key-small', secret: 'secret-small' };
const TINY = { id: 'app-tiny', key: 'key-tiny', secret: 'secret-tiny' };
const h = useServer({
  apps: [
    defaultApp(),
    defaultApp({ ...DISABLED, enabled: false }),
    defaultApp({ ...SMALL, max_connections: 2 }),
    defaultApp({ ...TINY, max_presence_members_per_channel: 2 }),
  ],
});

test('a disabled app refuses WebSocket connections with 4003', async () => {
  const ws = await openRaw(h.port, { key: DISABLED.key });
  try {
    const closed = await waitClosed(ws);
    assert.equal(closed.code, 4003);
    assert.equal(ws.events('pusher:connection_established').length, 0);
  } finally {
    ws.destroy();
  }
});

test('a disabled app gets 403 on the HTTP API', async () => {
  const sdk = serverSdk(h.port, { appId: DISABLED.id, key: DISABLED.key, secret: DISABLED.secret });
  try {
    await sdk.trigger('c', 'e', {});
    assert.fail('trigger on a disabled app should fail');
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.equal(err.status, 403, `${err.message} ${err.body}`);
  }
});

test('over the app connection quota: 4004', async (t) => {
  const a = await connectRaw(h.port, { key: SMALL.key });
  const b = await connectRaw(h.port, { key: SMALL.key });
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  const c = await openRaw(h.port, { key: SMALL.key });
  try {
    const closed = await waitClosed(c);
    assert.equal(closed.code, 4004);
    assert.equal(c.events('pusher:connection_established').length, 0);
  } finally {
    c.destroy();
  }
  // the first two are unaffected
  a.send({ event: 'pusher:ping', data: {} });
  await a.waitEvent('pusher:pong');
});

test('presence member limit: a third distinct user is refused, another socket of a member is not', async (t) => {
  const sdk = serverSdk(h.port, { appId: TINY.id, key: TINY.key, secret: TINY.secret });
  const CH = 'presence-tiny';
  const sockets = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  const join = async (user) => {
    const ws = await connectRaw(h.port, { key: TINY.key });
    sockets.push(ws);
    const auth = sdk.authorizeChannel(ws.socketId, CH, { user_id: user, user_info: {} });
    ws.send({ event: 'pusher:subscribe', data: { channel: CH, ...auth } });
    return ws;
  };
  await (await join('u1')).waitEvent('pusher_internal:subscription_succeeded');
  await (await join('u2')).waitEvent('pusher_internal:subscription_succeeded');
  const third = await join('u3');
  await third.frames.waitFor(
    (f) => f.msg && (f.msg.event === 'pusher:error' || f.msg.event === 'pusher:subscription_error'),
    'refusal of the third member',
  );
  assert.equal(third.events('pusher_internal:subscription_succeeded').length, 0);
  // u1 again on another socket: not a new member, so allowed
  const again = await join('u1');
  const ok = await again.waitEvent('pusher_internal:subscription_succeeded');
  assert.equal(JSON.parse(ok.msg.data).presence.count, 2);
  const users = await (await sdk.get({ path: `/channels/${CH}/users` })).json();
  assert.deepEqual(users.users.map((u) => u.id).sort(), ['u1', 'u2']);
});

test('presence user_info over 1 KB is refused', async (t) => {
  const ws = await h.raw(t);
  const CH = 'presence-big-info';
  const auth = h.sdk.authorizeChannel(ws.socketId, CH, { user_id: 'big', user_info: { blob: 'x'.repeat(2048) } });
  ws.send({ event: 'pusher:subscribe', data: { channel: CH, ...auth } });
  await ws.frames.waitFor(
    (f) => f.msg && (f.msg.event === 'pusher:error' || f.msg.event === 'pusher:subscription_error'),
    'refusal of oversized user_info',
  );
  assert.equal(ws.events('pusher_internal:subscription_succeeded').length, 0);
});

test('SIGTERM: clients are closed with 4200 and the server exits 0', async () => {
  const server = await startServer();
  let ws;
  try {
    ws = await connectRaw(server.port);
    ws.send({ event: 'pusher:subscribe', data: { channel: 'before-shutdown' } });
    await ws.waitEvent('pusher_internal:subscription_succeeded');
    const started = Date.now();
    const exit = await server.stop();
    const closed = await waitClosed(ws, 1000);
    assert.equal(closed.code, 4200, `close ${closed.code} ${closed.reason}`);
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}; output:\n${server.output()}`);
    assert.ok(Date.now() - started < 10000, 'shutdown should finish within the grace period');
  } finally {
    if (ws) ws.destroy();
    await server.stop();
  }
});
