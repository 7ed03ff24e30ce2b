'use strict';
// Presence channels: member list on subscribe, member_added / member_removed,
// one member per user_id however many connections it has.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { waitChannelEvent, sleep } = require('../lib/clients');

const h = useServer();

function internal(client, event, channel) {
  return (e) => e.event === event && e.channel === channel;
}

test('subscribe gets the exact member list; others see member_added and member_removed', async (t) => {
  const CH = 'presence-room-1';
  const alice = await h.client(t, { label: 'alice', presence: { user_id: 'alice', user_info: { name: 'Alice' } } });
  const chA = await alice.subscribe(CH);
  const recA = alice.record(chA);

  // Alice alone: the wire data (as pusher-js decoded it) is exactly this.
  const succA = alice.events.all(internal(alice, 'pusher_internal:subscription_succeeded', CH));
  assert.equal(succA.length, 1);
  assert.deepEqual(succA[0].data, {
    presence: { ids: ['alice'], hash: { alice: { name: 'Alice' } }, count: 1 },
  });
  assert.equal(chA.members.count, 1);
  assert.deepEqual(chA.members.me, { id: 'alice', info: { name: 'Alice' } });

  const bob = await h.client(t, { label: 'bob', presence: { user_id: 'bob', user_info: { name: 'Bob', age: 40 } } });
  const chB = await bob.subscribe(CH);
  const succB = bob.events.all(internal(bob, 'pusher_internal:subscription_succeeded', CH));
  assert.equal(succB.length, 1);
  const p = succB[0].data.presence;
  assert.deepEqual([...p.ids].sort(), ['alice', 'bob']);
  assert.deepEqual(p.hash, { alice: { name: 'Alice' }, bob: { name: 'Bob', age: 40 } });
  assert.equal(p.count, 2);
  assert.equal(chB.members.count, 2);

  const added = await recA.waitFor((e) => e.event === 'pusher:member_added', 'member_added for bob');
  assert.deepEqual(added.data, { id: 'bob', info: { name: 'Bob', age: 40 } });
  const rawAdded = alice.events.all(internal(alice, 'pusher_internal:member_added', CH));
  assert.deepEqual(rawAdded.map((e) => e.data), [{ user_id: 'bob', user_info: { name: 'Bob', age: 40 } }]);
  // Bob does not get his own member_added.
  assert.equal(bob.events.count(internal(bob, 'pusher_internal:member_added', CH)), 0);

  bob.disconnect();
  const removed = await recA.waitFor((e) => e.event === 'pusher:member_removed', 'member_removed for bob');
  assert.deepEqual(removed.data, { id: 'bob', info: { name: 'Bob', age: 40 } });
  const rawRemoved = alice.events.all(internal(alice, 'pusher_internal:member_removed', CH));
  assert.deepEqual(rawRemoved.map((e) => e.data), [{ user_id: 'bob' }]);
  assert.equal(chA.members.count, 1);
});

test('unsubscribe (not only disconnect) removes the member', async (t) => {
  const CH = 'presence-room-unsub';
  const alice = await h.client(t, { label: 'alice', presence: { user_id: 'a1', user_info: {} } });
  const chA = await alice.subscribe(CH);
  const recA = alice.record(chA);
  const bob = await h.client(t, { label: 'bob', presence: { user_id: 'b1', user_info: {} } });
  await bob.subscribe(CH);
  await recA.waitFor((e) => e.event === 'pusher:member_added', 'member_added');
  bob.pusher.unsubscribe(CH);
  const removed = await recA.waitFor((e) => e.event === 'pusher:member_removed', 'member_removed after unsubscribe');
  assert.equal(removed.data.id, 'b1');
});

test('same user_id on two connections: one member_added, member_removed only after the last leaves', async (t) => {
  const CH = 'presence-room-2';
  const watcher = await h.client(t, { label: 'watcher', presence: { user_id: 'watcher', user_info: {} } });
  const chW = await watcher.subscribe(CH);
  const recW = watcher.record(chW);

  const u1 = await h.client(t, { label: 'u1', presence: { user_id: 'dup', user_info: { tab: 1 } } });
  await u1.subscribe(CH);
  await recW.waitFor((e) => e.event === 'pusher:member_added', 'first member_added');

  const u2 = await h.client(t, { label: 'u2', presence: { user_id: 'dup', user_info: { tab: 1 } } });
  const ch2 = await u2.subscribe(CH);
  // The second connection sees 2 members, not 3.
  const succ2 = u2.events.all(internal(u2, 'pusher_internal:subscription_succeeded', CH))[0].data.presence;
  assert.equal(succ2.count, 2);
  assert.deepEqual([...succ2.ids].sort(), ['dup', 'watcher']);
  assert.equal(ch2.members.count, 2);

  // Sentinel: a trigger after u2 joined; once seen, any member_added for u2 would have arrived.
  await h.sdk.trigger(CH, 'sentinel-1', {});
  await recW.waitFor((e) => e.event === 'sentinel-1', 'sentinel-1');
  assert.equal(watcher.events.count(internal(watcher, 'pusher_internal:member_added', CH)), 1);

  // First connection leaves: the user is still present through u2.
  u1.disconnect();
  await sleep(500);
  await h.sdk.trigger(CH, 'sentinel-2', {});
  await recW.waitFor((e) => e.event === 'sentinel-2', 'sentinel-2');
  assert.equal(watcher.events.count(internal(watcher, 'pusher_internal:member_removed', CH)), 0);
  const users = await (await h.sdk.get({ path: `/channels/${CH}/users` })).json();
  assert.deepEqual(users.users.map((u) => u.id).sort(), ['dup', 'watcher']);

  // Last connection leaves: now exactly one member_removed.
  u2.disconnect();
  const removed = await recW.waitFor((e) => e.event === 'pusher:member_removed', 'member_removed for dup');
  assert.equal(removed.data.id, 'dup');
  await sleep(300);
  assert.equal(watcher.events.count(internal(watcher, 'pusher_internal:member_removed', CH)), 1);
});

test('numeric user_id is a string on the wire', async (t) => {
  const CH = 'presence-numeric';
  const w = await h.client(t, { label: 'w', presence: { user_id: 'w', user_info: {} } });
  const chW = await w.subscribe(CH);
  const recW = w.record(chW);
  const n = await h.client(t, { label: 'n', presence: { user_id: 10, user_info: { name: 'Mr. Channels' } } });
  await n.subscribe(CH);
  const succ = n.events.all(internal(n, 'pusher_internal:subscription_succeeded', CH))[0].data.presence;
  assert.ok(succ.ids.includes('10'), `ids should contain "10": ${JSON.stringify(succ.ids)}`);
  assert.ok(!succ.ids.includes(10), 'ids must not contain the number 10');
  assert.deepEqual(succ.hash['10'], { name: 'Mr. Channels' });
  await recW.waitFor((e) => e.event === 'pusher:member_added', 'member_added');
  const raw = w.events.all(internal(w, 'pusher_internal:member_added', CH))[0];
  assert.strictEqual(raw.data.user_id, '10');
});

test('presence subscription with a bad signature or missing channel_data is rejected (raw)', async (t) => {
  const ws = await h.raw(t);
  const CH = 'presence-guarded';
  const channelData = JSON.stringify({ user_id: 'x', user_info: {} });
  // signed over different channel_data than sent
  const auth = h.sdk.authorizeChannel(ws.socketId, CH, { user_id: 'y', user_info: {} }).auth;
  ws.send({ event: 'pusher:subscribe', data: { channel: CH, auth, channel_data: channelData } });
  // correct signature for no channel_data, but presence needs it
  const auth2 = h.sdk.authorizeChannel(ws.socketId, CH).auth;
  ws.send({ event: 'pusher:subscribe', data: { channel: CH, auth: auth2 } });
  const good = h.sdk.authorizeChannel(ws.socketId, 'presence-after', { user_id: 'z', user_info: {} });
  ws.send({ event: 'pusher:subscribe', data: { channel: 'presence-after', ...good } });
  await ws.waitEvent('pusher_internal:subscription_succeeded', (m) => m.channel === 'presence-after');
  assert.deepEqual(
    ws.events('pusher_internal:subscription_succeeded').map((m) => m.channel),
    ['presence-after'],
  );
  assert.ok(
    ws.frames.count((f) => f.msg && (f.msg.event === 'pusher:error' || f.msg.event === 'pusher:subscription_error')) >= 2,
  );
});

test('presence subscription_succeeded data is a JSON string on the wire', async (t) => {
  const ws = await h.raw(t);
  const CH = 'presence-raw';
  const channelData = JSON.stringify({ user_id: 'r', user_info: { k: 'v' } });
  const sig = h.sdk.authorizeChannel(ws.socketId, CH, { user_id: 'r', user_info: { k: 'v' } });
  assert.equal(sig.channel_data, channelData);
  ws.send({ event: 'pusher:subscribe', data: { channel: CH, auth: sig.auth, channel_data: channelData } });
  const f = await ws.waitEvent('pusher_internal:subscription_succeeded');
  assert.equal(typeof f.msg.data, 'string');
  assert.deepEqual(JSON.parse(f.msg.data), { presence: { ids: ['r'], hash: { r: { k: 'v' } }, count: 1 } });
});

test('member_added reaches pusher-js members', async (t) => {
  const CH = 'presence-members-api';
  const a = await h.client(t, { label: 'a', presence: { user_id: 'm-a', user_info: { n: 1 } } });
  const ch = await a.subscribe(CH);
  const added = waitChannelEvent(ch, 'pusher:member_added', 5000);
  await h.client(t, { label: 'b', presence: { user_id: 'm-b', user_info: { n: 2 } } }).then((b) => b.subscribe(CH));
  await added;
  const seen = [];
  ch.members.each((m) => seen.push(m));
  assert.deepEqual(
    seen.sort((x, y) => x.id.localeCompare(y.id)),
    [
      { id: 'm-a', info: { n: 1 } },
      { id: 'm-b', info: { n: 2 } },
    ],
  );
});
