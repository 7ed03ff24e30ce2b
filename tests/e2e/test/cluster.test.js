'use strict';
// Several `sockudo serve` processes sharing one adapter (redis, redis-cluster, nats) must behave
// like one server: broadcasts, client events, presence, HTTP queries, terminate, cache channels,
// node failure and broker restarts, seen through the real pusher-js and pusher SDKs.
//
// Adapters come from scripts/test.sh: SOCKUDO_TEST_REDIS_URL, SOCKUDO_TEST_REDIS_CLUSTER_NODES,
// SOCKUDO_TEST_NATS_URL. A missing one is skipped with a message, or is a failure when CI is set.
// Broker-restart tests start a private redis-server / nats-server (never the shared ones).
//
// Every check involves at least two nodes, so each fails against a server that does not relay.
// Waits are bounded; negative checks ("not delivered") wait for a later sentinel from the same
// origin node instead of sleeping.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { isDeepStrictEqual } = require('node:util');
const http = require('node:http');
const { startServer, deepMerge, defaultApp } = require('../lib/server');
const { connectClient, serverSdk, disconnectAll, sleep, waitChannelEvent, Recorder } = require('../lib/clients');
const { connectRaw } = require('../lib/rawws');
const { startBroker, redisServerBin, natsServerBin } = require('../lib/brokers');

const RUN = `e2e${process.pid}x${Date.now().toString(36)}`;
const IN_CI = !!process.env.CI && !['0', 'false', ''].includes(String(process.env.CI).toLowerCase());

const CLUSTER_HEALTH = { heartbeat_interval_ms: 500, node_timeout_ms: 2000, cleanup_interval_ms: 500 };
// A killed node's members must be gone within node_timeout + slack.
const NODE_FAILURE_BOUND_MS = 8000;
// Cluster-wide HTTP answers may lag a subscription by a replication round trip.
const QUERY_SETTLE_MS = 4000;
const MESH_TIMEOUT_MS = 10000;
const BROKER_RECOVERY_MS = 15000;

let seq = 0;
const uid = () => `${++seq}${Math.random().toString(36).slice(2, 6)}`;

// ------------------------------------------------------------------ adapters

const ADAPTERS = [
  {
    name: 'redis',
    envVar: 'SOCKUDO_TEST_REDIS_URL',
    merge: (url, prefix) => ({
      adapter: { driver: 'redis', prefix },
      database: { redis: { url, key_prefix: prefix } },
    }),
    // Cache channels are shared through the cache driver (issue 4: "through the cache driver").
    cacheMerge: () => ({ cache: { driver: 'redis' } }),
  },
  {
    name: 'redis-cluster',
    envVar: 'SOCKUDO_TEST_REDIS_CLUSTER_NODES',
    merge: (value, prefix) => {
      const nodes = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return {
        adapter: { driver: 'redis-cluster', prefix, cluster: { nodes, prefix } },
        database: { redis: { key_prefix: prefix, cluster: { nodes } } },
      };
    },
    cacheMerge: () => ({ cache: { driver: 'redis-cluster' } }),
  },
  {
    name: 'nats',
    envVar: 'SOCKUDO_TEST_NATS_URL',
    merge: (url, prefix) => ({
      adapter: { driver: 'nats', prefix, nats: { servers: [url], prefix } },
    }),
    // NATS has no key-value store here: a NATS deployment shares cache channels through Redis.
    cacheMerge: (prefix) =>
      process.env.SOCKUDO_TEST_REDIS_URL
        ? { cache: { driver: 'redis' }, database: { redis: { url: process.env.SOCKUDO_TEST_REDIS_URL, key_prefix: prefix } } }
        : null,
  },
];

// ------------------------------------------------------------------ helpers

// Starts one node per label with the same adapter config; on any failure stops the others.
async function startNodes(labels, merge, apps) {
  const full = { ...merge, cluster_health: CLUSTER_HEALTH };
  const settled = await Promise.allSettled(labels.map((label) => startServer({ label: `node ${label}`, merge: full, apps })));
  const failed = settled.filter((s) => s.status === 'rejected');
  if (failed.length) {
    await Promise.all(settled.filter((s) => s.status === 'fulfilled').map((s) => s.value.stop()));
    throw failed[0].reason;
  }
  return settled.map((s, i) => ({
    label: labels[i],
    server: s.value,
    port: s.value.port,
    sdk: serverSdk(s.value.port),
  }));
}

async function stopNodes(nodes) {
  await Promise.all((nodes || []).map((n) => n.server.stop()));
}

// Waits until an event triggered through every node's HTTP API reaches a subscriber on every
// node: the adapter subscriptions are in place. Bounded by MESH_TIMEOUT_MS.
async function awaitMesh(nodes) {
  const ch = `mesh-${uid()}`;
  const socks = await Promise.all(nodes.map((n) => connectRaw(n.port, { label: `mesh@${n.label}` })));
  try {
    for (const ws of socks) ws.send({ event: 'pusher:subscribe', data: { channel: ch } });
    await Promise.all(socks.map((ws) => ws.waitEvent('pusher_internal:subscription_succeeded')));
    const deadline = Date.now() + MESH_TIMEOUT_MS;
    const seen = () =>
      socks.map((ws) => [...new Set(ws.events('mesh').map((m) => JSON.parse(m.data).from))].sort());
    for (let round = 0; ; round++) {
      await Promise.all(
        nodes.map((n) => n.sdk.trigger(ch, 'mesh', { from: n.label, round }).catch(() => null)),
      );
      await sleep(250);
      const got = seen();
      if (got.every((labels) => labels.length === nodes.length)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `cluster did not relay within ${MESH_TIMEOUT_MS} ms: origins seen per node ` +
            JSON.stringify(Object.fromEntries(nodes.map((n, i) => [n.label, got[i]]))),
        );
      }
    }
  } finally {
    for (const ws of socks) ws.destroy();
  }
}

// The tests still run when the mesh never forms, so each reports its own failure.
async function awaitMeshOrReport(nodes) {
  try {
    await awaitMesh(nodes);
  } catch (err) {
    console.log(`# cluster.test.js: ${err.message}`);
  }
}

async function client(t, node, opts = {}) {
  const c = await connectClient(node.port, { sdk: node.sdk, ...opts, label: `${opts.label || 'client'}@${node.label}` });
  t.after(() => disconnectAll([c]));
  return c;
}

// Records from before the subscription succeeds: the server may send events (such as the new
// subscriber's own pusher:subscription_count) in the same packet as subscription_succeeded.
async function subscribed(c, name) {
  const rec = c.record(c.pusher.subscribe(name));
  const ch = await c.subscribe(name);
  return { ch, rec };
}

// GET on a node's HTTP API: {status, body}; presence user lists are sorted by id.
async function get(node, path, params) {
  const res = await node.sdk.get({ path, params });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch (_) {
    body = text;
  }
  if (body && Array.isArray(body.users)) body.users = [...body.users].sort((a, b) => String(a.id).localeCompare(String(b.id)));
  return { status: res.status, body };
}

// Polls fn until its result deep-equals expected; fails with the last result after timeoutMs.
async function eventually(fn, expected, what, timeoutMs = QUERY_SETTLE_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
    } catch (err) {
      last = { error: String(err && err.message) };
    }
    if (isDeepStrictEqual(last, expected)) return last;
    if (Date.now() > deadline) {
      assert.deepEqual(last, expected, `${what}: not reached within ${timeoutMs} ms; last answer ${JSON.stringify(last)}`);
    }
    await sleep(100);
  }
}

async function expectOnEveryNode(nodes, path, params, body, what) {
  await Promise.all(
    nodes.map((n) => eventually(() => get(n, path, params), { status: 200, body }, `${what} on node ${n.label}`)),
  );
}

const internal = (event, channel) => (e) => e.event === event && e.channel === channel;

async function signedIn(t, node, user, label) {
  const c = await client(t, node, { label, user });
  const success = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${c.label}: no pusher:signin_success within 5000 ms`)), 5000);
    c.pusher.bind('pusher:signin_success', (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
  c.pusher.signin();
  await success;
  await c.events.waitFor(
    internal('pusher_internal:subscription_succeeded', `#server-to-user-${user.id}`),
    `#server-to-user-${user.id} subscribed`,
  );
  return c;
}

// ------------------------------------------------------------------ multi-node suite per adapter

function clusterSuite(ad, value) {
  describe(`cluster over ${ad.name}`, () => {
    const prefix = `${RUN}${ad.name.replace(/[^a-z]/g, '')}:`;
    let nodes;
    let A;
    let B;
    let C;

    before(async () => {
      nodes = await startNodes(['A', 'B', 'C'], ad.merge(value, prefix));
      [A, B, C] = nodes;
      await awaitMeshOrReport(nodes);
    });
    after(async () => {
      await stopNodes(nodes);
    });

    test('an event triggered through node B reaches pusher-js on every node exactly once; socket_id exclusion across nodes', { timeout: 30000 }, async (t) => {
      const CH = `fanout-${uid()}`;
      const a1 = await client(t, A, { label: 'a1' });
      const a2 = await client(t, A, { label: 'a2' });
      const b1 = await client(t, B, { label: 'b1' });
      const c1 = await client(t, C, { label: 'c1' });
      const subs = {};
      for (const [name, c] of Object.entries({ a1, a2, b1, c1 })) subs[name] = await subscribed(c, CH);

      const res = await B.sdk.trigger(CH, 'greet', { n: 1 });
      assert.equal(res.status, 200);
      for (const [name, s] of Object.entries(subs)) {
        const ev = await s.rec.waitFor((e) => e.event === 'greet', `greet on ${name}`);
        assert.deepEqual(ev.data, { n: 1 }, name);
      }

      // Excluding a socket on another node (a1) and on the triggering node (b1).
      await B.sdk.trigger(CH, 'excluded-a1', { n: 2 }, { socket_id: a1.socketId });
      await B.sdk.trigger(CH, 'excluded-b1', { n: 3 }, { socket_id: b1.socketId });
      await B.sdk.trigger(CH, 'sentinel', {});
      for (const [name, s] of Object.entries(subs)) await s.rec.waitFor((e) => e.event === 'sentinel', `sentinel on ${name}`);

      const counts = Object.fromEntries(
        Object.entries(subs).map(([name, s]) => [
          name,
          ['greet', 'excluded-a1', 'excluded-b1', 'sentinel'].map((ev) => s.rec.count((e) => e.event === ev)),
        ]),
      );
      assert.deepEqual(counts, {
        a1: [1, 0, 1, 1],
        a2: [1, 1, 1, 1],
        b1: [1, 1, 0, 1],
        c1: [1, 1, 1, 1],
      });
      assert.deepEqual(subs.a2.rec.all((e) => e.event === 'excluded-a1').map((e) => e.data), [{ n: 2 }]);
      assert.deepEqual(subs.c1.rec.all((e) => e.event === 'excluded-b1').map((e) => e.data), [{ n: 3 }]);

      // Every node counts the four subscriptions, also in a trigger's `info` answer.
      await expectOnEveryNode(nodes, `/channels/${CH}`, { info: 'subscription_count' }, { occupied: true, subscription_count: 4 }, 'subscription_count');
      const res2 = await B.sdk.trigger(CH, 'counted', {}, { info: 'subscription_count' });
      assert.equal(res2.status, 200);
      assert.deepEqual(await res2.json(), { channels: { [CH]: { subscription_count: 4 } } });
    });

    test('client events cross nodes (private channel) and are not echoed to the sender', { timeout: 30000 }, async (t) => {
      const CH = `private-chat-${uid()}`;
      const sa = await client(t, A, { label: 'sa' });
      const sb = await client(t, B, { label: 'sb' });
      const sc = await client(t, C, { label: 'sc' });
      const A1 = await subscribed(sa, CH);
      const B1 = await subscribed(sb, CH);
      const C1 = await subscribed(sc, CH);

      assert.equal(A1.ch.trigger('client-msg', { hi: 1 }), true);
      const gotB = await B1.rec.waitFor((e) => e.event === 'client-msg', 'client-msg on B');
      const gotC = await C1.rec.waitFor((e) => e.event === 'client-msg', 'client-msg on C');
      assert.deepEqual(gotB.data, { hi: 1 });
      assert.deepEqual(gotC.data, { hi: 1 });

      // B answers; once A has B's answer, any echo of A's own message would have arrived first.
      assert.equal(B1.ch.trigger('client-reply', { ok: true }), true);
      const reply = await A1.rec.waitFor((e) => e.event === 'client-reply', 'client-reply on A');
      assert.deepEqual(reply.data, { ok: true });
      await C1.rec.waitFor((e) => e.event === 'client-reply', 'client-reply on C');

      assert.deepEqual(
        { a: A1.rec.count((e) => e.event === 'client-msg'), b: B1.rec.count((e) => e.event === 'client-msg'), c: C1.rec.count((e) => e.event === 'client-msg') },
        { a: 0, b: 1, c: 1 },
        'client-msg: not echoed to the sender, exactly once elsewhere',
      );
      assert.deepEqual(
        { a: A1.rec.count((e) => e.event === 'client-reply'), b: B1.rec.count((e) => e.event === 'client-reply'), c: C1.rec.count((e) => e.event === 'client-reply') },
        { a: 1, b: 0, c: 1 },
        'client-reply: not echoed to the sender, exactly once elsewhere',
      );
    });

    test('pusher:subscription_count events carry the cluster-wide count', { timeout: 30000 }, async (t) => {
      const CH = `counted-${uid()}`;
      const sa = await client(t, A, { label: 'sa' });
      const sb = await client(t, B, { label: 'sb' });
      const sc = await client(t, C, { label: 'sc' });
      const recs = {};
      for (const [name, c] of Object.entries({ sa, sb, sc })) recs[name] = (await subscribed(c, CH)).rec;
      const latest = () =>
        Object.fromEntries(
          Object.entries(recs).map(([name, rec]) => {
            const all = rec.all((e) => e.event === 'pusher:subscription_count');
            return [name, all.length ? all[all.length - 1].data : null];
          }),
        );
      const three = { subscription_count: 3 };
      await eventually(latest, { sa: three, sb: three, sc: three }, 'latest subscription_count on every subscriber');
      sc.pusher.unsubscribe(CH);
      const two = { subscription_count: 2 };
      await eventually(
        () => {
          const l = latest();
          delete l.sc;
          return l;
        },
        { sa: two, sb: two },
        'latest subscription_count after C unsubscribed',
      );
    });

    test('client events on a presence channel cross nodes with the sender\'s user_id', { timeout: 30000 }, async (t) => {
      const CH = `presence-chat-${uid()}`;
      const pa = await client(t, A, { label: 'pa', presence: { user_id: 'pa-user', user_info: {} } });
      const pb = await client(t, B, { label: 'pb', presence: { user_id: 'pb-user', user_info: {} } });
      const PA = await subscribed(pa, CH);
      const PB = await subscribed(pb, CH);
      // Only named bindings get the metadata (bind_global callbacks get event and data).
      const gotP = waitChannelEvent(PB.ch, 'client-typing', 5000, 'client-typing on B');
      assert.equal(PA.ch.trigger('client-typing', { on: true }), true);
      const got = await gotP;
      assert.deepEqual(got.data, { on: true });
      assert.deepEqual(got.metadata, { user_id: 'pa-user' });
      const raw = pb.events.all((e) => e.event === 'client-typing');
      assert.equal(raw.length, 1);
      assert.equal(raw[0].user_id, 'pa-user');
      assert.equal(raw[0].channel, CH);
    });

    test('presence is cluster-wide: one member for a user on two nodes; /users and counts from any node', { timeout: 40000 }, async (t) => {
      const CH = `presence-x-${uid()}`;
      const U1 = { user_id: 'u1', user_info: { name: 'U1' } };
      const watcher = await client(t, C, { label: 'watcher', presence: { user_id: 'w', user_info: {} } });
      const W = await subscribed(watcher, CH);
      await expectOnEveryNode([A, B], `/channels/${CH}/users`, undefined, { users: [{ id: 'w' }] }, 'users with the watcher');

      // u1 on A: the member list it gets is the cluster's.
      const u1a = await client(t, A, { label: 'u1a', presence: U1 });
      await u1a.subscribe(CH);
      const succA = u1a.events.all(internal('pusher_internal:subscription_succeeded', CH));
      assert.equal(succA.length, 1);
      assert.deepEqual([...succA[0].data.presence.ids].sort(), ['u1', 'w']);
      assert.deepEqual(succA[0].data.presence.hash, { u1: { name: 'U1' }, w: {} });
      assert.equal(succA[0].data.presence.count, 2);
      const added = await W.rec.waitFor((e) => e.event === 'pusher:member_added', 'member_added for u1');
      assert.deepEqual(added.data, { id: 'u1', info: { name: 'U1' } });

      await expectOnEveryNode([B], `/channels/${CH}/users`, undefined, { users: [{ id: 'u1' }, { id: 'w' }] }, 'users after u1 on A');

      // The same user on B: no second member_added anywhere, still 2 members.
      const u1b = await client(t, B, { label: 'u1b', presence: U1 });
      await u1b.subscribe(CH);
      const succB = u1b.events.all(internal('pusher_internal:subscription_succeeded', CH));
      assert.equal(succB.length, 1);
      assert.deepEqual([...succB[0].data.presence.ids].sort(), ['u1', 'w']);
      assert.deepEqual(succB[0].data.presence.hash, { u1: { name: 'U1' }, w: {} });
      assert.equal(succB[0].data.presence.count, 2);

      await B.sdk.trigger(CH, 'sentinel-1', {});
      await W.rec.waitFor((e) => e.event === 'sentinel-1', 'sentinel-1 on watcher');
      assert.equal(watcher.events.count(internal('pusher_internal:member_added', CH)), 1, 'exactly one member_added for u1');
      assert.equal(u1a.events.count(internal('pusher_internal:member_added', CH)), 0, 'u1 on A gets no member_added for its own user');

      await expectOnEveryNode(nodes, `/channels/${CH}/users`, undefined, { users: [{ id: 'u1' }, { id: 'w' }] }, '/users with u1 on A and B');
      await expectOnEveryNode(nodes, `/channels/${CH}`, { info: 'user_count,subscription_count' }, { occupied: true, user_count: 2, subscription_count: 3 }, 'user_count/subscription_count');
      await expectOnEveryNode(nodes, '/channels', { filter_by_prefix: CH, info: 'user_count' }, { channels: { [CH]: { user_count: 2 } } }, 'GET /channels with user_count');

      // u1 leaves A: still present through B, no member_removed.
      u1a.disconnect();
      await expectOnEveryNode(nodes, `/channels/${CH}`, { info: 'user_count,subscription_count' }, { occupied: true, user_count: 2, subscription_count: 2 }, 'counts after u1 left A');
      await A.sdk.trigger(CH, 'sentinel-2', {});
      await B.sdk.trigger(CH, 'sentinel-3', {});
      await W.rec.waitFor((e) => e.event === 'sentinel-2', 'sentinel-2 on watcher');
      await W.rec.waitFor((e) => e.event === 'sentinel-3', 'sentinel-3 on watcher');
      assert.equal(watcher.events.count(internal('pusher_internal:member_removed', CH)), 0, 'no member_removed while u1 is on B');
      await expectOnEveryNode(nodes, `/channels/${CH}/users`, undefined, { users: [{ id: 'u1' }, { id: 'w' }] }, '/users after u1 left A');

      // u1 leaves B too: exactly one member_removed.
      u1b.disconnect();
      const removed = await W.rec.waitFor((e) => e.event === 'pusher:member_removed', 'member_removed for u1');
      assert.deepEqual(removed.data, { id: 'u1', info: { name: 'U1' } });
      await A.sdk.trigger(CH, 'sentinel-4', {});
      await B.sdk.trigger(CH, 'sentinel-5', {});
      await W.rec.waitFor((e) => e.event === 'sentinel-4', 'sentinel-4 on watcher');
      await W.rec.waitFor((e) => e.event === 'sentinel-5', 'sentinel-5 on watcher');
      assert.deepEqual(
        watcher.events.all(internal('pusher_internal:member_removed', CH)).map((e) => e.data),
        [{ user_id: 'u1' }],
      );
      await expectOnEveryNode(nodes, `/channels/${CH}/users`, undefined, { users: [{ id: 'w' }] }, '/users after u1 left both');
      await expectOnEveryNode(nodes, `/channels/${CH}`, { info: 'user_count,subscription_count' }, { occupied: true, user_count: 1, subscription_count: 1 }, 'counts after u1 left both');
    });

    test('GET /channels from any node lists channels occupied on other nodes', { timeout: 30000 }, async (t) => {
      const P = `occ-${uid()}-`;
      const ca = await client(t, A, { label: 'ca' });
      const cb = await client(t, B, { label: 'cb' });
      await ca.subscribe(`${P}a`);
      await cb.subscribe(`${P}b`);
      await expectOnEveryNode(nodes, '/channels', { filter_by_prefix: P }, { channels: { [`${P}a`]: {}, [`${P}b`]: {} } }, 'GET /channels');
      await expectOnEveryNode(nodes, `/channels/${P}a`, { info: 'subscription_count' }, { occupied: true, subscription_count: 1 }, `/channels/${P}a`);
      ca.disconnect();
      await expectOnEveryNode(nodes, '/channels', { filter_by_prefix: P }, { channels: { [`${P}b`]: {} } }, 'GET /channels after A left');
      await expectOnEveryNode(nodes, `/channels/${P}a`, undefined, { occupied: false }, `/channels/${P}a after A left`);
    });

    test('sendToUser and terminateUserConnections through node B reach the user\'s sockets on A and C', { timeout: 30000 }, async (t) => {
      const T = `term-${uid()}`;
      const K = `keep-${uid()}`;
      const ta = await signedIn(t, A, { id: T }, 'ta');
      const tc = await signedIn(t, C, { id: T }, 'tc');
      const keep = await signedIn(t, A, { id: K }, 'keep');

      const res1 = await B.sdk.sendToUser(T, 'notice', { text: 'hi' });
      assert.equal(res1.status, 200);
      for (const c of [ta, tc]) {
        const ev = await c.events.waitFor((e) => e.event === 'notice', `notice on ${c.label}`);
        assert.deepEqual(ev.data, { text: 'hi' });
      }

      const fromA = ta.states.items.length;
      const fromC = tc.states.items.length;
      const res = await B.sdk.terminateUserConnections(T);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      // pusher-js turns a 4009 close into a connection `error` {type: 'PusherError', data: {code: 4009}}
      // and, the code being in 4000-4099 ("refused"), goes to `disconnected` without reconnecting.
      for (const [c, from] of [
        [ta, fromA],
        [tc, fromC],
      ]) {
        const err = await c.errors.waitFor((e) => e && e.type === 'PusherError' && e.data && e.data.code === 4009, `${c.label}: PusherError 4009`);
        assert.equal(err.data.code, 4009);
        await c.states.waitFor((s) => s === 'disconnected', `${c.label} disconnected`, 5000, from);
      }

      // The other user on A is untouched; the terminated ones did not come back.
      await B.sdk.sendToUser(K, 'still-here', { ok: true });
      const ev = await keep.events.waitFor((e) => e.event === 'still-here', 'still-here on keep');
      assert.deepEqual(ev.data, { ok: true });
      assert.equal(keep.pusher.connection.state, 'connected');
      assert.equal(ta.pusher.connection.state, 'disconnected');
      assert.equal(tc.pusher.connection.state, 'disconnected');
      assert.ok(!ta.states.items.slice(fromA).includes('connected'), `ta reconnected: ${ta.states.items}`);
      assert.ok(!tc.states.items.slice(fromC).includes('connected'), `tc reconnected: ${tc.states.items}`);
    });

    // A new subscriber gets the last event of a cache- channel on the node it connects to: the
    // exact sequence subscription_succeeded, event (raw) and the event on its pusher-js binding.
    async function expectCached(t, node, CH, event, data) {
      const c = await client(t, node, { label: 'cache-js' });
      const ch = c.pusher.subscribe(CH);
      const got = await waitChannelEvent(ch, event, 5000, `cached ${event} on ${node.label}`).catch((err) => {
        throw new Error(`${err.message}; frames seen: ${JSON.stringify(c.events.items.filter((e) => e.channel === CH))}`);
      });
      assert.deepEqual(got.data, data);
      const ws = await connectRaw(node.port, { label: `cache-raw@${node.label}` });
      t.after(() => ws.destroy());
      ws.send({ event: 'pusher:subscribe', data: { channel: CH } });
      await ws.waitEvent(event);
      const seq = ws.frames.items
        .slice(1)
        .map((f) => f.msg && f.msg.event)
        .filter((e) => e !== 'pusher_internal:subscription_count');
      assert.deepEqual(seq, ['pusher_internal:subscription_succeeded', event], `frames on ${node.label}`);
      assert.equal(ws.events(event)[0].data, JSON.stringify(data));
      assert.equal(c.events.count((e) => e.event === 'pusher:cache_miss'), 0, `no cache_miss on ${node.label}`);
    }

    // Each node reads the bus in order: once a witness on every one of `nodes` has an event
    // triggered through `from` after the others, those nodes have taken everything before it (a
    // new subscriber may otherwise connect before the cache channel's last event arrives).
    async function busCaughtUp(t, from, nodes) {
      const S = `sentinel-${uid()}`;
      const seen = await Promise.all(nodes.map(async (node) => {
        const c = await client(t, node, { label: 'witness' });
        return c.record(await c.subscribe(S));
      }));
      for (let i = 0; i < 100 && !seen.every((rec) => rec.count((e) => e.event === 'tick') > 0); i++) {
        await from.sdk.trigger(S, 'tick', {});
        await sleep(50);
      }
      assert.ok(seen.every((rec) => rec.count((e) => e.event === 'tick') > 0), 'the bus did not catch up');
    }

    test('a cache- channel triggered through node B replays its last event to new subscribers on A and C', { timeout: 30000 }, async (t) => {
      const CH = `cache-x-${uid()}`;
      await B.sdk.trigger(CH, 'snap', { v: 1 });
      await B.sdk.trigger(CH, 'snap-last', { v: 2 });
      await busCaughtUp(t, B, [A, C]);
      await expectCached(t, A, CH, 'snap-last', { v: 2 });
      await expectCached(t, C, CH, 'snap-last', { v: 2 });
    });

    // A node started after the trigger (a rolling restart, a scale-out) must replay the cached
    // event too: with the default memory cache it can only learn it from the other nodes; with a
    // shared cache driver (issue 4: cache.driver redis / redis-cluster) from the cache. These nodes
    // use their own prefix and are started here so a rejected config fails this test only.
    async function lateNodeCache(t, label, merged) {
      const [early] = await startNodes([`${label}-early`], merged);
      t.after(() => stopNodes([early]));
      const CH = `cache-late-${uid()}`;
      await early.sdk.trigger(CH, 'snap', { v: 1 });
      await early.sdk.trigger(CH, 'snap-last', { v: 2 });
      const [late] = await startNodes([`${label}-late`], merged);
      t.after(() => stopNodes([late]));
      await awaitMeshOrReport([early, late]);
      await expectCached(t, late, CH, 'snap-last', { v: 2 });
    }

    test('with the default cache driver, a node started after the trigger replays the cached event', { timeout: 30000 }, async (t) => {
      await lateNodeCache(t, 'mem', ad.merge(value, `${RUN}${ad.name.replace(/[^a-z]/g, '')}memcache:`));
    });

    const cachePrefix = `${RUN}${ad.name.replace(/[^a-z]/g, '')}cache:`;
    const cacheMerge = ad.cacheMerge(cachePrefix);
    test(`with cache.driver ${cacheMerge ? cacheMerge.cache.driver : '-'}, a node started after the trigger replays the cached event`, { timeout: 30000, skip: cacheMerge || IN_CI ? false : 'SOCKUDO_TEST_REDIS_URL is not set (cache driver for a NATS cluster)' }, async (t) => {
      assert.ok(cacheMerge, 'no shared cache driver available (SOCKUDO_TEST_REDIS_URL not set)');
      await lateNodeCache(t, 'shared', deepMerge(ad.merge(value, cachePrefix), cacheMerge));
    });

    // Two more nodes (own prefix) whose app sends webhooks to a local receiver.
    test('webhooks fire once per cluster-wide transition (occupied/vacated, member_added/removed)', { timeout: 40000 }, async (t) => {
      const hooks = new Recorder('webhooks');
      const receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          hooks.push({ headers: req.headers, body });
          res.writeHead(200);
          res.end('ok');
        });
      });
      await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
      t.after(() => {
        receiver.closeAllConnections();
        return new Promise((r) => receiver.close(r));
      });
      const url = `http://127.0.0.1:${receiver.address().port}/hook`;
      const apps = [defaultApp({ webhooks: [{ url, event_types: ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed'] }] })];
      const hookPrefix = `${RUN}${ad.name.replace(/[^a-z]/g, '')}hooks:`;
      const wnodes = await startNodes(['wA', 'wB'], ad.merge(value, hookPrefix), apps);
      t.after(() => stopNodes(wnodes));
      const [wA, wB] = wnodes;
      await awaitMeshOrReport(wnodes);

      const CH = `hooked-${uid()}`;
      const PCH = `presence-hooked-${uid()}`;
      const mine = () => {
        const out = [];
        for (const h of hooks.items) {
          const wh = wA.sdk.webhook({ headers: h.headers, rawBody: h.body });
          assert.equal(wh.isValid(), true, `invalid webhook ${h.body}`);
          out.push(...wh.getEvents().filter((e) => e.channel === CH || e.channel === PCH));
        }
        return out.map((e) => [e.name, e.channel === CH ? 'CH' : 'PCH', e.user_id || ''].join(' ')).sort();
      };
      const U1 = { user_id: 'u1', user_info: {} };
      const onA = await client(t, wA, { label: 'u1@wA', presence: U1 });
      await onA.subscribe(CH);
      await onA.subscribe(PCH);
      const onB = await client(t, wB, { label: 'u1@wB', presence: U1 });
      await onB.subscribe(CH);
      await onB.subscribe(PCH);
      const joined = ['channel_occupied CH ', 'channel_occupied PCH ', 'member_added PCH u1'];
      await eventually(mine, joined, 'webhooks after u1 joined on both nodes', 8000);

      // u1 leaves wA: the channels stay occupied and u1 stays a member (wait out the 3 s grace).
      onA.disconnect();
      await expectOnEveryNode(wnodes, `/channels/${PCH}`, { info: 'user_count,subscription_count' }, { occupied: true, user_count: 1, subscription_count: 1 }, 'counts after u1 left wA');
      await sleep(4500);
      assert.deepEqual(mine(), joined, 'no vacated / member_removed while u1 is still on wB');

      // u1 leaves wB too: exactly one of each.
      onB.disconnect();
      const all = [...joined, 'channel_vacated CH ', 'channel_vacated PCH ', 'member_removed PCH u1'].sort();
      await eventually(mine, all, 'webhooks after u1 left both nodes', 15000);
      await sleep(1000);
      assert.deepEqual(mine(), all, 'no duplicate webhooks');
    });

    // Last: kills node C.
    test('kill -9 of a node removes its presence members and channels within the bound', { timeout: 40000 }, async (t) => {
      const CH = `presence-fail-${uid()}`;
      const PUB = `victim-pub-${uid()}`;
      const watcher = await client(t, A, { label: 'watcher', presence: { user_id: 'w', user_info: {} } });
      const W = await subscribed(watcher, CH);
      const victim = await client(t, C, { label: 'victim', presence: { user_id: 'victim', user_info: { on: 'C' } } });
      await victim.subscribe(CH);
      await victim.subscribe(PUB);
      const added = await W.rec.waitFor((e) => e.event === 'pusher:member_added', 'member_added for victim');
      assert.deepEqual(added.data, { id: 'victim', info: { on: 'C' } });
      // "both" is connected through C and B: it stays a member when C dies.
      const bothC = await client(t, C, { label: 'both@C', presence: { user_id: 'both', user_info: {} } });
      await bothC.subscribe(CH);
      const bothB = await client(t, B, { label: 'both@B', presence: { user_id: 'both', user_info: {} } });
      await bothB.subscribe(CH);
      await W.rec.waitFor((e) => e.event === 'pusher:member_added' && e.data.id === 'both', 'member_added for both');
      await expectOnEveryNode([A, B], `/channels/${CH}/users`, undefined, { users: [{ id: 'both' }, { id: 'victim' }, { id: 'w' }] }, '/users before the kill');
      await expectOnEveryNode([A, B], `/channels/${CH}`, { info: 'user_count,subscription_count' }, { occupied: true, user_count: 3, subscription_count: 4 }, 'counts before the kill');
      await expectOnEveryNode([A, B], '/channels', { filter_by_prefix: PUB }, { channels: { [PUB]: {} } }, 'GET /channels before the kill');

      const t0 = Date.now();
      const exit = await C.server.kill('SIGKILL');
      assert.equal(exit.signal, 'SIGKILL');
      const removed = await W.rec.waitFor((e) => e.event === 'pusher:member_removed', 'member_removed for the killed node\'s member', NODE_FAILURE_BOUND_MS);
      const elapsed = Date.now() - t0;
      assert.deepEqual(removed.data, { id: 'victim', info: { on: 'C' } });
      t.diagnostic(`member_removed ${elapsed} ms after kill -9`);

      const left = Math.max(1000, NODE_FAILURE_BOUND_MS - elapsed);
      await Promise.all(
        [A, B].map((n) =>
          eventually(() => get(n, `/channels/${CH}/users`), { status: 200, body: { users: [{ id: 'both' }, { id: 'w' }] } }, `/users on ${n.label} after the kill`, left),
        ),
      );
      await Promise.all(
        [A, B].map((n) =>
          eventually(() => get(n, '/channels', { filter_by_prefix: PUB }), { status: 200, body: { channels: {} } }, `GET /channels on ${n.label} after the kill`, left),
        ),
      );
      await Promise.all(
        [A, B].map((n) =>
          eventually(() => get(n, `/channels/${CH}`, { info: 'user_count,subscription_count' }), { status: 200, body: { occupied: true, user_count: 2, subscription_count: 2 } }, `counts on ${n.label} after the kill`, left),
        ),
      );
      await A.sdk.trigger(CH, 'sentinel', {});
      await B.sdk.trigger(CH, 'sentinel-b', {});
      await W.rec.waitFor((e) => e.event === 'sentinel', 'sentinel');
      await W.rec.waitFor((e) => e.event === 'sentinel-b', 'sentinel-b');
      assert.deepEqual(watcher.events.all(internal('pusher_internal:member_removed', CH)).map((e) => e.data), [{ user_id: 'victim' }]);
      const ids = [];
      W.ch.members.each((m) => ids.push(m.id));
      assert.deepEqual(ids.sort(), ['both', 'w'], "the watcher's pusher-js member list");
      victim.disconnect();
      bothC.disconnect();
    });
  });
}

// ------------------------------------------------------------------ broker restart

function brokerRestartSuite(kind, merge) {
  describe(`${kind} restart (private ${kind}-server)`, () => {
    const prefix = `${RUN}r${kind}:`;
    let broker;
    let nodes;
    let X;
    let Y;

    before(async () => {
      broker = await startBroker(kind);
      nodes = await startNodes(['X', 'Y'], merge(broker.url, prefix));
      [X, Y] = nodes;
      await awaitMeshOrReport(nodes);
    });
    after(async () => {
      await stopNodes(nodes);
      if (broker) await broker.destroy();
    });

    test(`nodes keep serving local clients while ${kind} is down, report degraded, and relay again after it returns`, { timeout: 60000 }, async (t) => {
      const CH = `restart-${uid()}`;
      const x1 = await client(t, X, { label: 'x1' });
      const y1 = await client(t, Y, { label: 'y1' });
      const X1 = await subscribed(x1, CH);
      const Y1 = await subscribed(y1, CH);
      await Y.sdk.trigger(CH, 'before', { n: 0 });
      assert.deepEqual((await X1.rec.waitFor((e) => e.event === 'before', 'before on x1')).data, { n: 0 });

      // Presence: a watcher on Y, m1 on X; while the broker is down m1 leaves and m2 joins on X.
      const P = `presence-restart-${uid()}`;
      const w = await client(t, Y, { label: 'w', presence: { user_id: 'w', user_info: {} } });
      const W = await subscribed(w, P);
      const m1 = await client(t, X, { label: 'm1', presence: { user_id: 'm1', user_info: {} } });
      await m1.subscribe(P);
      await W.rec.waitFor((e) => e.event === 'pusher:member_added' && e.data.id === 'm1', 'member_added m1 on w');

      const exit = await broker.stop('SIGTERM');
      assert.ok(exit && (exit.code !== null || exit.signal), `broker exit ${JSON.stringify(exit)}`);

      // /up still answers, and says degraded.
      let up;
      const deadline = Date.now() + 10000;
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${X.port}/up`, { signal: AbortSignal.timeout(2000) }).catch((e) => ({ error: e }));
        up = res.error ? { error: String(res.error) } : { status: res.status, body: await res.text() };
        if (up.body && /degraded/i.test(up.body)) break;
        if (Date.now() > deadline) break;
        await sleep(200);
      }
      t.diagnostic(`/up on X with ${kind} down: ${JSON.stringify(up)}`);
      assert.ok(up.status, `/up did not answer: ${JSON.stringify(up)}`);
      assert.match(up.body, /degraded/i, `/up body with ${kind} down: ${JSON.stringify(up)}`);

      // Local delivery still works, for existing and new connections.
      const x2 = await client(t, X, { label: 'x2' });
      const X2 = await subscribed(x2, CH);
      const res = await X.sdk.trigger(CH, 'local', { n: 1 });
      assert.equal(res.status, 200);
      for (const [name, s] of [
        ['x1', X1],
        ['x2', X2],
      ]) {
        assert.deepEqual((await s.rec.waitFor((e) => e.event === 'local', `local on ${name}`)).data, { n: 1 });
      }
      m1.disconnect();
      const m2 = await client(t, X, { label: 'm2', presence: { user_id: 'm2', user_info: {} } });
      await m2.subscribe(P);

      await broker.start();
      const t0 = Date.now();
      // Cross-node delivery resumes within the bound (triggers before the resubscription are lost).
      for (let i = 0; ; i++) {
        await Y.sdk.trigger(CH, 'again', { i }).catch(() => null);
        await sleep(300);
        if (X1.rec.count((e) => e.event === 'again') > 0) break;
        if (Date.now() - t0 > BROKER_RECOVERY_MS) {
          assert.fail(`no event from Y reached x1 within ${BROKER_RECOVERY_MS} ms after ${kind} came back; x1 saw ${JSON.stringify(X1.rec.items)}`);
        }
      }
      t.diagnostic(`cross-node delivery resumed ${Date.now() - t0} ms after ${kind} restarted`);
      await Y.sdk.trigger(CH, 'after-y', { n: 2 });
      await X.sdk.trigger(CH, 'after-x', { n: 3 });
      assert.deepEqual((await X1.rec.waitFor((e) => e.event === 'after-y', 'after-y on x1')).data, { n: 2 });
      assert.deepEqual((await X2.rec.waitFor((e) => e.event === 'after-y', 'after-y on x2')).data, { n: 2 });
      assert.deepEqual((await Y1.rec.waitFor((e) => e.event === 'after-x', 'after-x on y1')).data, { n: 3 });
      // An event published on X during the outage may reach Y late (a client library buffering its
      // publishes) or never; if it does, then once and before X's later events.
      const yEvents = Y1.rec.all((e) => e.event === 'local' || e.event === 'after-x').map((e) => e.event);
      if (yEvents.includes('local')) t.diagnostic(`the event published on X during the ${kind} outage reached Y late`);
      assert.ok(
        isDeepStrictEqual(yEvents, ['after-x']) || isDeepStrictEqual(yEvents, ['local', 'after-x']),
        `y1 saw ${JSON.stringify(yEvents)}`,
      );

      // The presence changes made during the outage reach the other node: its HTTP answers and
      // its watcher's member list (last event per user: m1 removed, m2 added).
      for (const n of [X, Y]) {
        await eventually(() => get(n, `/channels/${P}/users`), { status: 200, body: { users: [{ id: 'm2' }, { id: 'w' }] } }, `/users on ${n.label} after the outage`, 10000);
      }
      await eventually(
        () => {
          const ids = [];
          W.ch.members.each((m) => ids.push(m.id));
          const last = {};
          for (const e of W.rec.all((e) => e.event === 'pusher:member_added' || e.event === 'pusher:member_removed')) last[e.data.id] = e.event;
          return { ids: ids.sort(), last };
        },
        { ids: ['m2', 'w'], last: { m1: 'pusher:member_removed', m2: 'pusher:member_added' } },
        "watcher's members after the outage",
        10000,
      );
      await eventually(
        async () => {
          const r = await fetch(`http://127.0.0.1:${X.port}/up`, { signal: AbortSignal.timeout(2000) });
          const body = await r.text();
          return { status: r.status, degraded: /degraded/i.test(body) };
        },
        { status: 200, degraded: false },
        `/up on X after ${kind} came back`,
        10000,
      );
    });
  });
}

// ------------------------------------------------------------------ registration

function missing(what, why) {
  if (IN_CI) {
    test(`${what} is available (CI)`, () => assert.fail(why));
  } else {
    describe(what, { skip: why }, () => {});
    console.log(`# cluster.test.js: skipping ${what}: ${why}`);
  }
}

for (const ad of ADAPTERS) {
  const value = process.env[ad.envVar];
  if (value) clusterSuite(ad, value);
  else missing(`cluster over ${ad.name}`, `${ad.envVar} is not set (scripts/test.sh sets it)`);
}

if (redisServerBin()) brokerRestartSuite('redis', ADAPTERS[0].merge.bind(null));
else missing('redis restart', 'redis-server is not installed');
if (natsServerBin()) brokerRestartSuite('nats', ADAPTERS[2].merge.bind(null));
else missing('nats restart', 'nats-server is not installed');
