'use strict';
// Two apps on one server share nothing: channels, presence, users, HTTP views.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { defaultApp } = require('../lib/server');
const { serverSdk, waitChannelEvent } = require('../lib/clients');

const APP2 = { id: 'app-2', key: 'key-2', secret: 'secret-2' };
const h = useServer({ apps: [defaultApp(), defaultApp(APP2)] });

test('a trigger on app-1 does not reach app-2 subscribers of the same channel name', async (t) => {
  const sdk2 = serverSdk(h.port, { appId: APP2.id, key: APP2.key, secret: APP2.secret });
  const a = await h.client(t, { label: 'app1' });
  const b = await h.client(t, { label: 'app2', key: APP2.key, sdk: sdk2 });
  const chA = await a.subscribe('shared-name');
  const chB = await b.subscribe('shared-name');
  const recB = b.record(chB);
  const got = waitChannelEvent(chA, 'only-app1', 5000);
  await h.sdk.trigger('shared-name', 'only-app1', { x: 1 });
  await got;
  await sdk2.trigger('shared-name', 'sentinel', {});
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel on app-2');
  assert.equal(recB.count((e) => e.event === 'only-app1'), 0);
});

test('presence members and channel lists are per app', async (t) => {
  const sdk2 = serverSdk(h.port, { appId: APP2.id, key: APP2.key, secret: APP2.secret });
  const a = await h.client(t, { label: 'app1', presence: { user_id: 'one', user_info: {} } });
  const b = await h.client(t, { label: 'app2', key: APP2.key, sdk: sdk2, presence: { user_id: 'two', user_info: {} } });
  await a.subscribe('presence-shared');
  const chB = await b.subscribe('presence-shared');
  assert.equal(chB.members.count, 1);
  const u1 = await (await h.sdk.get({ path: '/channels/presence-shared/users' })).json();
  const u2 = await (await sdk2.get({ path: '/channels/presence-shared/users' })).json();
  assert.deepEqual(u1, { users: [{ id: 'one' }] });
  assert.deepEqual(u2, { users: [{ id: 'two' }] });
  await a.subscribe('app1-only');
  const list2 = await (await sdk2.get({ path: '/channels' })).json();
  assert.ok(!('app1-only' in list2.channels), JSON.stringify(list2));
});

test('app-1 credentials cannot drive app-2', async () => {
  const mixed = serverSdk(h.port, { appId: APP2.id, key: 'key-1', secret: 'secret-1' });
  try {
    await mixed.trigger('x', 'e', {});
    assert.fail('app-1 key on app-2 path should be refused');
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.equal(err.status, 401, `${err.message} ${err.body}`);
  }
});

test('sign-in on app-1 and sendToUser on app-2 for the same id do not cross', async (t) => {
  const sdk2 = serverSdk(h.port, { appId: APP2.id, key: APP2.key, secret: APP2.secret });
  const a = await h.client(t, { label: 'app1-user', user: { id: 'same-id' } });
  a.pusher.signin();
  await a.events.waitFor(
    (e) => e.event === 'pusher_internal:subscription_succeeded' && e.channel === '#server-to-user-same-id',
    'server-to-user subscribed',
  );
  await sdk2.sendToUser('same-id', 'wrong-app', {});
  await h.sdk.sendToUser('same-id', 'right-app', {});
  await a.events.waitFor((e) => e.event === 'right-app', 'right-app event');
  assert.equal(a.events.count((e) => e.event === 'wrong-app'), 0);
});
