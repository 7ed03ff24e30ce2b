'use strict';
// Client events: client-* between clients on private/presence channels.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');
const { defaultApp } = require('../lib/server');
const { serverSdk, waitChannelEvent, sleep } = require('../lib/clients');

const APP2 = { id: 'app-2', key: 'key-2', secret: 'secret-2' };
const h = useServer({
  apps: [defaultApp(), defaultApp({ ...APP2, enable_client_messages: false })],
});

const isError = (e) => e.event === 'pusher:error' || e.event === 'pusher:subscription_error';

test('private channel: client event reaches the other client, not the sender', async (t) => {
  const CH = 'private-chat';
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chA = await a.subscribe(CH);
  const chB = await b.subscribe(CH);
  const recA = a.record(chA);

  const got = waitChannelEvent(chB, 'client-typing', 5000, 'b receives client-typing');
  assert.equal(chA.trigger('client-typing', { from: 'a', text: 'hi' }), true);
  const ev = await got;
  assert.deepEqual(ev.data, { from: 'a', text: 'hi' });
  // no user_id on private channels
  const raw = b.events.all((e) => e.event === 'client-typing');
  assert.equal(raw.length, 1);
  assert.equal(raw[0].channel, CH);
  assert.equal(raw[0].user_id, undefined);

  // not echoed: a server event sent afterwards arrives, the client event never did
  await h.sdk.trigger(CH, 'sentinel', {});
  await recA.waitFor((e) => e.event === 'sentinel', 'sentinel on a');
  assert.equal(a.events.count((e) => e.event === 'client-typing'), 0);
});

test('presence channel: client event carries the sender user_id', async (t) => {
  const CH = 'presence-chat';
  const a = await h.client(t, { label: 'a', presence: { user_id: 'user-a', user_info: {} } });
  const b = await h.client(t, { label: 'b', presence: { user_id: 'user-b', user_info: {} } });
  const chA = await a.subscribe(CH);
  const chB = await b.subscribe(CH);
  const recA = a.record(chA);
  const got = waitChannelEvent(chB, 'client-move', 5000);
  chA.trigger('client-move', { x: 1, y: 2 });
  const ev = await got;
  assert.deepEqual(ev.data, { x: 1, y: 2 });
  assert.deepEqual(ev.metadata, { user_id: 'user-a' });
  const raw = b.events.all((e) => e.event === 'client-move');
  assert.equal(raw.length, 1);
  assert.equal(raw[0].user_id, 'user-a');

  await h.sdk.trigger(CH, 'sentinel', {});
  await recA.waitFor((e) => e.event === 'sentinel', 'sentinel on a');
  assert.equal(a.events.count((e) => e.event === 'client-move'), 0);
});

test('client events on a public channel are rejected and not delivered', async (t) => {
  const CH = 'public-no-client-events';
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chA = await a.subscribe(CH);
  const chB = await b.subscribe(CH);
  const recB = b.record(chB);
  chA.trigger('client-hello', { nope: true });
  await a.events.waitFor(isError, 'pusher:error for a public-channel client event');
  await h.sdk.trigger(CH, 'sentinel', {});
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  assert.equal(b.events.count((e) => e.event === 'client-hello'), 0);
});

test('client events on a channel the sender is not subscribed to are not delivered', async (t) => {
  const CH = 'private-not-member';
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chB = await b.subscribe(CH);
  const recB = b.record(chB);
  a.pusher.send_event('client-sneak', { x: 1 }, CH);
  await sleep(300);
  await h.sdk.trigger(CH, 'sentinel', {});
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  assert.equal(b.events.count((e) => e.event === 'client-sneak'), 0);
});

test('client events are rejected when the app disables them', async (t) => {
  const sdk2 = serverSdk(h.port, { appId: APP2.id, key: APP2.key, secret: APP2.secret });
  const a = await h.client(t, { label: 'a2', key: APP2.key, sdk: sdk2 });
  const b = await h.client(t, { label: 'b2', key: APP2.key, sdk: sdk2 });
  const CH = 'private-disabled';
  const chA = await a.subscribe(CH);
  const chB = await b.subscribe(CH);
  const recB = b.record(chB);
  chA.trigger('client-blocked', { x: 1 });
  await a.events.waitFor(isError, 'pusher:error for disabled client events');
  await sdk2.trigger(CH, 'sentinel', {});
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  assert.equal(b.events.count((e) => e.event === 'client-blocked'), 0);
});

test('an event not starting with client- is not relayed from a client', async (t) => {
  const CH = 'private-spoof';
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  await a.subscribe(CH);
  const chB = await b.subscribe(CH);
  const recB = b.record(chB);
  a.pusher.send_event('server-like-event', { spoof: true }, CH);
  await sleep(300);
  await h.sdk.trigger(CH, 'sentinel', {});
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  assert.equal(b.events.count((e) => e.event === 'server-like-event'), 0);
});

test('more than 10 client events per second: the excess gets error 4301', async (t) => {
  const CH = 'private-flood';
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chA = await a.subscribe(CH);
  const chB = await b.subscribe(CH);
  const recB = b.record(chB);
  for (let i = 0; i < 15; i++) chA.trigger('client-flood', { i });
  // pusher:error frame or close frame, both surface as a PusherError with the code
  await a.errors.waitFor((e) => e && e.type === 'PusherError' && e.data && e.data.code === 4301, 'error 4301');
  await h.sdk.trigger(CH, 'sentinel', {});
  await recB.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  const delivered = recB.count((e) => e.event === 'client-flood');
  assert.ok(delivered >= 1 && delivered <= 10, `delivered ${delivered} of 15, expected 1..10`);
});
