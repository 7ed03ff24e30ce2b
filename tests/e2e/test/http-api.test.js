'use strict';
// The Pusher HTTP API, driven by the real `pusher` server SDK.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const { useServer } = require('../lib/harness');
const { serverSdk, waitChannelEvent } = require('../lib/clients');

const h = useServer();

// Expects the SDK call to reject with a RequestError of the given status.
async function expectStatus(promise, status) {
  try {
    const res = await promise;
    assert.fail(`expected HTTP ${status}, got ${res.status}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.equal(err.status, status, `expected HTTP ${status}, got ${err.status} (${err.message}) body=${err.body}`);
    return err;
  }
}

// A signed request built by hand so tests can tamper with it.
function rawRequest(method, path, query, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: h.port,
        method,
        path: `${path}?${query}`,
        headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
        timeout: 5000,
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode, body: data, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

function sign(method, path, params, secret = 'secret-1') {
  const q = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const sig = crypto.createHmac('sha256', secret).update(`${method}\n${path}\n${q}`).digest('hex');
  return `${q}&auth_signature=${sig}`;
}

function md5(s) {
  return crypto.createHash('md5').update(s, 'utf8').digest('hex');
}

test('trigger to a single channel answers {} and delivers', async (t) => {
  const c = await h.client(t, { label: 'c' });
  const ch = await c.subscribe('api-single');
  const got = waitChannelEvent(ch, 'ev', 5000);
  const res = await h.sdk.trigger('api-single', 'ev', { one: 1 });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  assert.deepEqual((await got).data, { one: 1 });
});

test('trigger to several channels delivers once per channel', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const a1 = a.record(await a.subscribe('multi-1'));
  const a2 = a.record(await a.subscribe('multi-2'));
  const b3 = b.record(await b.subscribe('multi-3'));
  const bOther = b.record(await b.subscribe('multi-other'));
  const res = await h.sdk.trigger(['multi-1', 'multi-2', 'multi-3'], 'fan', { f: true });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  await a1.waitFor((e) => e.event === 'fan', 'fan on multi-1');
  await a2.waitFor((e) => e.event === 'fan', 'fan on multi-2');
  await b3.waitFor((e) => e.event === 'fan', 'fan on multi-3');
  await h.sdk.trigger(['multi-1', 'multi-other'], 'sentinel', {});
  await a1.waitFor((e) => e.event === 'sentinel', 'sentinel a');
  await bOther.waitFor((e) => e.event === 'sentinel', 'sentinel b');
  const fans = a.events.all((e) => e.event === 'fan').map((e) => e.channel).sort();
  assert.deepEqual(fans, ['multi-1', 'multi-2']);
  assert.deepEqual(b.events.all((e) => e.event === 'fan').map((e) => e.channel), ['multi-3']);
  assert.deepEqual(a1.all((e) => e.event === 'fan').map((e) => e.data), [{ f: true }]);
});

test('trigger with socket_id excludes that connection only', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const ra = a.record(await a.subscribe('excl'));
  const rb = b.record(await b.subscribe('excl'));
  await h.sdk.trigger('excl', 'not-for-a', { x: 1 }, { socket_id: a.socketId });
  await h.sdk.trigger('excl', 'sentinel', {});
  await ra.waitFor((e) => e.event === 'sentinel', 'sentinel on a');
  await rb.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  assert.equal(ra.count((e) => e.event === 'not-for-a'), 0);
  assert.equal(rb.count((e) => e.event === 'not-for-a'), 1);
});

test('triggerBatch delivers each event to its channel, honouring socket_id', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const ra1 = a.record(await a.subscribe('batch-1'));
  const ra2 = a.record(await a.subscribe('batch-2'));
  const rb1 = b.record(await b.subscribe('batch-1'));
  const res = await h.sdk.triggerBatch([
    { channel: 'batch-1', name: 'b-one', data: { n: 1 } },
    { channel: 'batch-2', name: 'b-two', data: 'two' },
    { channel: 'batch-1', name: 'b-three', data: { n: 3 }, socket_id: a.socketId },
  ]);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  await ra1.waitFor((e) => e.event === 'b-one', 'b-one on a');
  await ra2.waitFor((e) => e.event === 'b-two', 'b-two on a');
  await rb1.waitFor((e) => e.event === 'b-three', 'b-three on b');
  await h.sdk.trigger('batch-1', 'sentinel', {});
  await ra1.waitFor((e) => e.event === 'sentinel', 'sentinel on a');
  await rb1.waitFor((e) => e.event === 'sentinel', 'sentinel on b');
  assert.deepEqual(ra1.all((e) => e.event.startsWith('b-')).map((e) => [e.event, e.data]), [['b-one', { n: 1 }]]);
  assert.deepEqual(ra2.all((e) => e.event.startsWith('b-')).map((e) => [e.event, e.data]), [['b-two', 'two']]);
  assert.deepEqual(
    rb1.all((e) => e.event.startsWith('b-')).map((e) => [e.event, e.data]),
    [
      ['b-one', { n: 1 }],
      ['b-three', { n: 3 }],
    ],
  );
});

test('GET /channels?filter_by_prefix=presence-&info=user_count lists occupied presence channels', async (t) => {
  const u1 = await h.client(t, { label: 'u1', presence: { user_id: 'u1', user_info: {} } });
  const u2 = await h.client(t, { label: 'u2', presence: { user_id: 'u2', user_info: {} } });
  const u1b = await h.client(t, { label: 'u1b', presence: { user_id: 'u1', user_info: {} } });
  await u1.subscribe('presence-lobby');
  await u2.subscribe('presence-lobby');
  await u1b.subscribe('presence-lobby');
  await u1.subscribe('presence-side');
  await u1.subscribe('not-presence');
  const res = await h.sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    channels: { 'presence-lobby': { user_count: 2 }, 'presence-side': { user_count: 1 } },
  });
});

test('GET /channels lists every occupied channel and no vacated ones', async (t) => {
  const c = await h.client(t, { label: 'c' });
  await c.subscribe('list-a');
  await c.subscribe('private-list-b');
  await c.subscribe('list-gone');
  c.pusher.unsubscribe('list-gone');
  await c.subscribe('list-c'); // processed after the unsubscribe
  const res = await h.sdk.get({ path: '/channels', params: { filter_by_prefix: 'list-' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { channels: { 'list-a': {}, 'list-c': {} } });
  const all = await (await h.sdk.get({ path: '/channels' })).json();
  for (const name of ['list-a', 'list-c', 'private-list-b']) {
    assert.ok(name in all.channels, `${name} missing from ${JSON.stringify(all)}`);
  }
  assert.ok(!('list-gone' in all.channels));
});

test('GET /channels with info=user_count but no presence- prefix is a 400', async () => {
  await expectStatus(h.sdk.get({ path: '/channels', params: { info: 'user_count' } }), 400);
  await expectStatus(h.sdk.get({ path: '/channels', params: { filter_by_prefix: 'private-', info: 'user_count' } }), 400);
});

test('GET /channels/{c}?info=subscription_count', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  await a.subscribe('sc-channel');
  await b.subscribe('sc-channel');
  const res = await h.sdk.get({ path: '/channels/sc-channel', params: { info: 'subscription_count' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { occupied: true, subscription_count: 2 });

  const plain = await (await h.sdk.get({ path: '/channels/sc-channel' })).json();
  assert.deepEqual(plain, { occupied: true });

  const empty = await (await h.sdk.get({ path: '/channels/sc-nobody' })).json();
  assert.equal(empty.occupied, false);
});

test('GET /channels/{presence}?info=user_count,subscription_count', async (t) => {
  const a = await h.client(t, { label: 'a', presence: { user_id: 'same', user_info: {} } });
  const b = await h.client(t, { label: 'b', presence: { user_id: 'same', user_info: {} } });
  await a.subscribe('presence-info');
  await b.subscribe('presence-info');
  const res = await h.sdk.get({ path: '/channels/presence-info', params: { info: 'user_count,subscription_count' } });
  assert.deepEqual(await res.json(), { occupied: true, user_count: 1, subscription_count: 2 });
});

test('GET /channels/{non-presence}?info=user_count is a 400', async (t) => {
  const a = await h.client(t, { label: 'a' });
  await a.subscribe('public-uc');
  await expectStatus(h.sdk.get({ path: '/channels/public-uc', params: { info: 'user_count' } }), 400);
});

test('GET /channels/presence-x/users lists distinct user ids', async (t) => {
  const a = await h.client(t, { label: 'a', presence: { user_id: '1', user_info: { n: 'one' } } });
  const a2 = await h.client(t, { label: 'a2', presence: { user_id: '1', user_info: { n: 'one' } } });
  const b = await h.client(t, { label: 'b', presence: { user_id: '2', user_info: {} } });
  await a.subscribe('presence-x');
  await a2.subscribe('presence-x');
  await b.subscribe('presence-x');
  const res = await h.sdk.get({ path: '/channels/presence-x/users' });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ['users']);
  assert.deepEqual(
    body.users.sort((x, y) => x.id.localeCompare(y.id)),
    [{ id: '1' }, { id: '2' }],
  );
  b.disconnect();
  // eventually only user 1 remains
  const deadline = Date.now() + 5000;
  let users;
  do {
    users = (await (await h.sdk.get({ path: '/channels/presence-x/users' })).json()).users;
    if (users.length === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  assert.deepEqual(users, [{ id: '1' }]);
});

test('GET /channels/{non-presence}/users is a 400', async () => {
  await expectStatus(h.sdk.get({ path: '/channels/public-nope/users' }), 400);
});

test('trigger with info returns channel attributes', async (t) => {
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  await a.subscribe('info-public');
  await b.subscribe('info-public');
  const res = await h.sdk.trigger('info-public', 'ev', {}, { info: 'subscription_count' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { channels: { 'info-public': { subscription_count: 2 } } });

  const p1 = await h.client(t, { label: 'p1', presence: { user_id: 'p', user_info: {} } });
  const p2 = await h.client(t, { label: 'p2', presence: { user_id: 'p', user_info: {} } });
  await p1.subscribe('presence-info-trigger');
  await p2.subscribe('presence-info-trigger');
  const res2 = await h.sdk.trigger(['presence-info-trigger', 'info-public'], 'ev', {}, { info: 'user_count,subscription_count' });
  assert.equal(res2.status, 200);
  assert.deepEqual(await res2.json(), {
    channels: {
      'presence-info-trigger': { user_count: 1, subscription_count: 2 },
      'info-public': { subscription_count: 2 },
    },
  });
});

test('triggerBatch with info returns one attribute object per event', async (t) => {
  const a = await h.client(t, { label: 'a' });
  await a.subscribe('batch-info');
  const res = await h.sdk.triggerBatch([
    { channel: 'batch-info', name: 'e1', data: {}, info: 'subscription_count' },
    { channel: 'batch-info', name: 'e2', data: {} },
  ]);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { batch: [{ subscription_count: 1 }, {}] });
});

test('a request signed with the wrong secret gets 401 and delivers nothing', async (t) => {
  const c = await h.client(t, { label: 'c' });
  const rec = c.record(await c.subscribe('guarded'));
  const bad = serverSdk(h.port, { secret: 'wrong-secret' });
  await expectStatus(bad.trigger('guarded', 'forged', { evil: true }), 401);
  await expectStatus(bad.get({ path: '/channels' }), 401);
  await expectStatus(bad.terminateUserConnections('1'), 401);
  await h.sdk.trigger('guarded', 'sentinel', {});
  await rec.waitFor((e) => e.event === 'sentinel', 'sentinel');
  assert.equal(rec.count((e) => e.event === 'forged'), 0);
});

test('a request with an unknown key gets 401', async () => {
  const bad = serverSdk(h.port, { key: 'unknown-key' });
  await expectStatus(bad.trigger('x', 'e', {}), 401);
});

test('an unknown app id gets 404', async () => {
  const bad = serverSdk(h.port, { appId: 'no-such-app' });
  await expectStatus(bad.get({ path: '/channels' }), 404);
});

test('a body that does not match body_md5 gets 401', async () => {
  const path = '/apps/app-1/events';
  const signedBody = JSON.stringify({ name: 'e', channels: ['md5'], data: '{}' });
  const sentBody = JSON.stringify({ name: 'e', channels: ['md5'], data: '{"tampered":1}' });
  const params = {
    auth_key: 'key-1',
    auth_timestamp: Math.floor(Date.now() / 1000),
    auth_version: '1.0',
    body_md5: md5(signedBody),
  };
  const res = await rawRequest('POST', path, sign('POST', path, params), sentBody);
  assert.equal(res.status, 401, res.body);
  // and the untampered request with the same construction works
  const ok = await rawRequest('POST', path, sign('POST', path, params), signedBody);
  assert.equal(ok.status, 200, ok.body);
});

test('a timestamp more than 600 s off gets 401', async () => {
  const path = '/apps/app-1/events';
  const body = JSON.stringify({ name: 'e', channels: ['ts'], data: '{}' });
  const params = {
    auth_key: 'key-1',
    auth_timestamp: Math.floor(Date.now() / 1000) - 1000,
    auth_version: '1.0',
    body_md5: md5(body),
  };
  const res = await rawRequest('POST', path, sign('POST', path, params), body);
  assert.equal(res.status, 401, res.body);
});

test('a request without a signature gets 401', async () => {
  const res = await rawRequest('GET', '/apps/app-1/channels', 'auth_key=key-1', null);
  assert.equal(res.status, 401, res.body);
});

test('event data over 10 KB gets 413', async () => {
  await expectStatus(h.sdk.trigger('big', 'e', 'x'.repeat(11 * 1024)), 413);
});

test('an event without a name or channel gets 400', async () => {
  await expectStatus(h.sdk.post({ path: '/events', body: { channels: ['c'], data: '{}' } }), 400);
  await expectStatus(h.sdk.post({ path: '/events', body: { name: 'e', data: '{}' } }), 400);
});

test('more than 100 channels in one trigger gets 400', async () => {
  const channels = Array.from({ length: 101 }, (_, i) => `many-${i}`);
  await expectStatus(h.sdk.post({ path: '/events', body: { name: 'e', channels, data: '{}' } }), 400);
});

test('more than 10 events in one batch gets 400', async () => {
  const batch = Array.from({ length: 11 }, (_, i) => ({ channel: `b-${i}`, name: 'e', data: '{}' }));
  await expectStatus(h.sdk.post({ path: '/batch_events', body: { batch } }), 400);
});

test('a channel name over 164 characters in a trigger gets 400', async () => {
  await expectStatus(h.sdk.trigger('c'.repeat(165), 'e', {}), 400);
});

test('an event name over 200 characters gets 400', async () => {
  await expectStatus(h.sdk.post({ path: '/events', body: { name: 'e'.repeat(201), channels: ['c'], data: '{}' } }), 400);
});

test('a malformed socket_id on a trigger gets 400', async () => {
  await expectStatus(
    h.sdk.post({ path: '/events', body: { name: 'e', channels: ['c'], data: '{}', socket_id: 'not-a-socket' } }),
    400,
  );
});

test('a body that is not JSON gets 400', async () => {
  const path = '/apps/app-1/events';
  const body = '{"name": "e", "channels": [';
  const params = {
    auth_key: 'key-1',
    auth_timestamp: Math.floor(Date.now() / 1000),
    auth_version: '1.0',
    body_md5: md5(body),
  };
  const res = await rawRequest('POST', path, sign('POST', path, params), body);
  assert.equal(res.status, 400, res.body);
});
