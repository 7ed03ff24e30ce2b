'use strict';
// User sign-in, server-to-user events, terminating a user's connections, watchlist.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { serverSdk, sleep } = require('../lib/clients');
const { waitClosed } = require('../lib/rawws');

const h = useServer();

// A refused sign-in surfaces as a pusher:error frame, or as a 4xxx close.
async function refused(ws) {
  const r = await Promise.race([
    ws.waitEvent('pusher:error').then((f) => ({ frame: f.msg })),
    ws.closed.then((c) => ({ close: c })),
  ]);
  if (r.close) assert.ok(r.close.code >= 4000, `closed with ${r.close.code} instead of a pusher:error`);
  return r;
}

const serverToUserSubscribed = (id) => (e) =>
  e.event === 'pusher_internal:subscription_succeeded' && e.channel === `#server-to-user-${id}`;

async function signedIn(t, user, label) {
  const c = await h.client(t, { label: label || `user-${user.id}`, user });
  const success = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${c.label}: no pusher:signin_success within 5000 ms`)), 5000);
    c.pusher.bind('pusher:signin_success', (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
  c.pusher.signin();
  c.signinData = await success;
  await c.events.waitFor(serverToUserSubscribed(user.id), `#server-to-user-${user.id} subscribed`);
  return c;
}

test('signin succeeds and echoes the signed user_data', async (t) => {
  const user = { id: '1', user_info: { name: 'One' } };
  const c = await signedIn(t, user);
  assert.equal(typeof c.signinData.user_data, 'string');
  assert.deepEqual(JSON.parse(c.signinData.user_data), user);
  assert.deepEqual(c.pusher.user.user_data, user);
});

test('signin with a bad signature is refused (raw)', async (t) => {
  const ws = await h.raw(t);
  const userData = JSON.stringify({ id: '9' });
  ws.send({ event: 'pusher:signin', data: { auth: 'key-1:' + 'f'.repeat(64), user_data: userData } });
  await refused(ws);
  assert.equal(ws.events('pusher:signin_success').length, 0);
});

test('signin with user_data lacking an id is refused (raw)', async (t) => {
  const ws = await h.raw(t);
  const userData = JSON.stringify({ user_info: {} });
  const sig = require('node:crypto')
    .createHmac('sha256', 'secret-1')
    .update(`${ws.socketId}::user::${userData}`)
    .digest('hex');
  ws.send({ event: 'pusher:signin', data: { auth: `key-1:${sig}`, user_data: userData } });
  await refused(ws);
  assert.equal(ws.events('pusher:signin_success').length, 0);
});

test('raw signin: exact signin_success frame', async (t) => {
  const ws = await h.raw(t);
  const { auth, user_data } = h.sdk.authenticateUser(ws.socketId, { id: 'raw-1', user_info: { a: 1 } });
  ws.send({ event: 'pusher:signin', data: { auth, user_data } });
  const f = await ws.waitEvent('pusher:signin_success');
  assert.equal(typeof f.msg.data, 'string');
  assert.deepEqual(JSON.parse(f.msg.data), { user_data });
});

test('sendToUser reaches every connection of that user and nobody else', async (t) => {
  const a1 = await signedIn(t, { id: 'alice' }, 'alice-1');
  const a2 = await signedIn(t, { id: 'alice' }, 'alice-2');
  const b = await signedIn(t, { id: 'bob' }, 'bob');
  const got = [a1, a2, b].map((c) => {
    const seen = [];
    c.pusher.user.bind('notice', (d) => seen.push(d));
    return seen;
  });
  const res = await h.sdk.sendToUser('alice', 'notice', { text: 'for alice' });
  assert.equal(res.status, 200);
  await a1.events.waitFor((e) => e.event === 'notice', 'notice on alice-1');
  await a2.events.waitFor((e) => e.event === 'notice', 'notice on alice-2');
  await h.sdk.sendToUser('bob', 'notice-sentinel', {});
  await b.events.waitFor((e) => e.event === 'notice-sentinel', 'sentinel on bob');
  assert.deepEqual(got[0], [{ text: 'for alice' }]);
  assert.deepEqual(got[1], [{ text: 'for alice' }]);
  assert.deepEqual(got[2], []);
  assert.equal(b.events.count((e) => e.event === 'notice'), 0);
});

test('terminateUserConnections closes all of that user\'s connections and only those', async (t) => {
  const u1 = await signedIn(t, { id: 'term-1' }, 'term-1a');
  const u1b = await signedIn(t, { id: 'term-1' }, 'term-1b');
  const u2 = await signedIn(t, { id: 'term-2' }, 'term-2');
  const from1 = u1.states.items.length;
  const from1b = u1b.states.items.length;
  const res = await h.sdk.terminateUserConnections('term-1');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  await u1.states.waitFor((s) => s !== 'connected', 'term-1a leaves connected', 5000, from1);
  await u1b.states.waitFor((s) => s !== 'connected', 'term-1b leaves connected', 5000, from1b);
  // term-2 is untouched and still receives user events
  await h.sdk.sendToUser('term-2', 'still-here', { ok: true });
  await u2.events.waitFor((e) => e.event === 'still-here', 'still-here on term-2');
  assert.equal(u2.pusher.connection.state, 'connected');
});

test('terminated connection is closed with a 40xx code (do not reconnect)', async (t) => {
  const ws = await h.raw(t);
  const { auth, user_data } = h.sdk.authenticateUser(ws.socketId, { id: 'term-raw' });
  ws.send({ event: 'pusher:signin', data: { auth, user_data } });
  await ws.waitEvent('pusher:signin_success');
  const other = await h.raw(t);
  await h.sdk.terminateUserConnections('term-raw');
  const closed = await waitClosed(ws);
  assert.ok(
    closed.code >= 4000 && closed.code < 4100,
    `close code ${closed.code} (${closed.reason}) should be 4000-4099 so pusher-js does not reconnect`,
  );
  // a socket that never signed in stays open
  other.send({ event: 'pusher:ping', data: {} });
  await other.waitEvent('pusher:pong');
  assert.equal(other.closeInfo, null);
});

test('terminateUserConnections for an unknown user answers {}', async () => {
  const res = await h.sdk.terminateUserConnections('nobody-here');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
});

test('watchlist: online when a watched user signs in, offline when they leave', async (t) => {
  const watcher = await signedIn(t, { id: 'w-1', watchlist: ['w-2', 'w-3'] }, 'watcher');
  const online = [];
  const offline = [];
  watcher.pusher.user.watchlist.bind('online', (e) => online.push(e));
  watcher.pusher.user.watchlist.bind('offline', (e) => offline.push(e));
  const watched = await signedIn(t, { id: 'w-2' }, 'watched');
  await watcher.events.waitFor(
    (e) => e.event === 'pusher_internal:watchlist_events' && e.data.events.some((x) => x.name === 'online' && x.user_ids.includes('w-2')),
    'online event for w-2',
  );
  assert.ok(online.some((e) => e.user_ids.includes('w-2')));
  assert.ok(!online.some((e) => e.user_ids.includes('w-3')), 'w-3 never signed in');
  watched.disconnect();
  await watcher.events.waitFor(
    (e) => e.event === 'pusher_internal:watchlist_events' && e.data.events.some((x) => x.name === 'offline' && x.user_ids.includes('w-2')),
    'offline event for w-2',
    8000,
  );
  assert.ok(offline.some((e) => e.user_ids.includes('w-2')));
});

test('a user with a wrong-secret sign-in never gets signin_success', async (t) => {
  const bad = serverSdk(h.port, { secret: 'wrong' });
  const c = await h.client(t, { label: 'bad-signin', user: { id: 'evil' }, sdk: bad });
  let success = false;
  c.pusher.bind('pusher:signin_success', () => (success = true));
  c.pusher.signin();
  await c.errors.waitFor((e) => e && e.type === 'PusherError', 'a PusherError for the bad signin');
  await sleep(200);
  assert.equal(success, false);
});

test('watchlist over 100 ids: signin still succeeds, error 4302 is sent', async (t) => {
  const ws = await h.raw(t);
  const watchlist = Array.from({ length: 101 }, (_, i) => `wl-${i}`);
  const { auth, user_data } = h.sdk.authenticateUser(ws.socketId, { id: 'big-watcher', watchlist });
  ws.send({ event: 'pusher:signin', data: { auth, user_data } });
  await ws.waitEvent('pusher:signin_success');
  const err = await ws.waitEvent('pusher:error', (m) => {
    const d = typeof m.data === 'string' ? JSON.parse(m.data) : m.data;
    return d && d.code === 4302;
  });
  assert.ok(err);
  assert.equal(ws.closeInfo, null, 'the connection stays open');
});
