'use strict';
// pusher:subscription_count on non-presence channels (enabled for app-1,
// disabled for app-2).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { defaultApp } = require('../lib/server');
const { serverSdk, sleep } = require('../lib/clients');

const APP2 = { id: 'app-2', key: 'key-2', secret: 'secret-2' };
const h = useServer({
  apps: [defaultApp(), defaultApp({ ...APP2, enable_subscription_count: false })],
});

function counts() {
  const seen = [];
  return {
    seen,
    attach(channel) {
      channel.bind('pusher:subscription_count', (d) => seen.push(d.subscription_count));
    },
  };
}

test('subscribers see the count go 1 -> 2 -> 1', async (t) => {
  const CH = 'counted';
  const a = await h.client(t, { label: 'a' });
  const ca = counts();
  const chA = a.pusher.subscribe(CH);
  ca.attach(chA);
  await a.events.waitFor(
    (e) => e.event === 'pusher_internal:subscription_count' && e.channel === CH && e.data.subscription_count === 1,
    'count 1 on a',
  );

  const b = await h.client(t, { label: 'b' });
  const cb = counts();
  const chB = b.pusher.subscribe(CH);
  cb.attach(chB);
  await a.events.waitFor(
    (e) => e.event === 'pusher_internal:subscription_count' && e.data.subscription_count === 2,
    'count 2 on a',
  );
  await b.events.waitFor(
    (e) => e.event === 'pusher_internal:subscription_count' && e.data.subscription_count === 2,
    'count 2 on b',
  );

  b.pusher.unsubscribe(CH);
  await a.events.waitFor(
    (e) => e.event === 'pusher_internal:subscription_count' && e.data.subscription_count === 1,
    'count back to 1 on a',
    5000,
    a.events.items.findIndex((e) => e.event === 'pusher_internal:subscription_count' && e.data.subscription_count === 2) + 1,
  );
  assert.deepEqual(ca.seen, [1, 2, 1]);
  assert.equal(chA.subscriptionCount, 1);
  assert.deepEqual(cb.seen, [2]);

  // exact wire shape
  const raw = a.events.all((e) => e.event === 'pusher_internal:subscription_count');
  assert.deepEqual(raw[0], { event: 'pusher_internal:subscription_count', channel: CH, data: { subscription_count: 1 } });
});

test('disconnecting decrements the count too', async (t) => {
  const CH = 'counted-disconnect';
  const a = await h.client(t, { label: 'a' });
  const ca = counts();
  ca.attach(a.pusher.subscribe(CH));
  const b = await h.client(t, { label: 'b' });
  await b.subscribe(CH);
  await a.events.waitFor((e) => e.event === 'pusher_internal:subscription_count' && e.data.subscription_count === 2, 'count 2');
  b.disconnect();
  await a.events.waitFor(
    (e) => e.event === 'pusher_internal:subscription_count' && e.data.subscription_count === 1 && ca.seen.length >= 3,
    'count back to 1 after disconnect',
  );
  assert.deepEqual(ca.seen, [1, 2, 1]);
});

test('no subscription_count events on presence channels', async (t) => {
  const CH = 'presence-uncounted';
  const a = await h.client(t, { label: 'a', presence: { user_id: 'a', user_info: {} } });
  const chA = await a.subscribe(CH);
  const rec = a.record(chA);
  const b = await h.client(t, { label: 'b', presence: { user_id: 'b', user_info: {} } });
  await b.subscribe(CH);
  await rec.waitFor((e) => e.event === 'pusher:member_added', 'member_added');
  await h.sdk.trigger(CH, 'sentinel', {});
  await rec.waitFor((e) => e.event === 'sentinel', 'sentinel');
  assert.equal(a.events.count((e) => e.event === 'pusher_internal:subscription_count'), 0);
});

test('no subscription_count events when the app has not enabled them', async (t) => {
  const sdk2 = serverSdk(h.port, { appId: APP2.id, key: APP2.key, secret: APP2.secret });
  const a = await h.client(t, { label: 'a2', key: APP2.key, sdk: sdk2 });
  const chA = await a.subscribe('quiet');
  const rec = a.record(chA);
  const b = await h.client(t, { label: 'b2', key: APP2.key, sdk: sdk2 });
  await b.subscribe('quiet');
  await sleep(300);
  await sdk2.trigger('quiet', 'sentinel', {});
  await rec.waitFor((e) => e.event === 'sentinel', 'sentinel');
  assert.equal(a.events.count((e) => e.event === 'pusher_internal:subscription_count'), 0);
  assert.equal(b.events.count((e) => e.event === 'pusher_internal:subscription_count'), 0);
});
