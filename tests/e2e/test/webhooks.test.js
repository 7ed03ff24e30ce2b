'use strict';
// Webhooks, received by a local HTTP server and validated with the pusher SDK's
// own WebHook class (signature, key and content type).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startServer, defaultApp } = require('../lib/server');
const { connectClient, serverSdk, Recorder, disconnectAll } = require('../lib/clients');

const opts = {};

const hooks = new Recorder('webhooks');
let receiver;
let server;
let sdk;

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body, url: req.url });
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  server = await startServer({
    apps: [
      defaultApp({
        webhooks: [
          {
            url,
            event_types: [
              'channel_occupied',
              'channel_vacated',
              'member_added',
              'member_removed',
              'client_event',
              'cache_miss',
            ],
          },
        ],
      }),
    ],
  });
  sdk = serverSdk(server.port);
});

after(async () => {
  if (server) await server.stop();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
});

// Every webhook event received so far, after checking each request with the SDK.
function allEvents() {
  const out = [];
  for (const h of hooks.items) {
    const wh = sdk.webhook({ headers: h.headers, rawBody: h.body });
    assert.equal(wh.isValid(), true, `invalid webhook: headers ${JSON.stringify(h.headers)} body ${h.body}`);
    out.push(...wh.getEvents());
  }
  return out;
}

async function waitHook(pred, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = allEvents().find(pred);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no webhook ${what} within ${timeoutMs} ms; got:\n${hooks.items.map((h) => '  ' + h.body).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('webhook requests are signed, typed application/json without charset, and carry time_ms', opts, async (t) => {
  const c = await connectClient(server.port, { sdk, label: 'c' });
  t.after(() => disconnectAll([c]));
  await c.subscribe('hooked-1');
  await waitHook((e) => e.name === 'channel_occupied' && e.channel === 'hooked-1', 'channel_occupied');
  const h = hooks.items.find((x) => x.body.includes('hooked-1'));
  assert.equal(h.headers['content-type'], 'application/json');
  assert.equal(h.headers['x-pusher-key'], 'key-1');
  assert.match(h.headers['x-pusher-signature'], /^[0-9a-f]{64}$/);
  const body = JSON.parse(h.body);
  assert.equal(typeof body.time_ms, 'number');
  assert.ok(Math.abs(body.time_ms - Date.now()) < 60000, `time_ms ${body.time_ms} should be close to now`);
  assert.ok(Array.isArray(body.events));
});

test('channel_occupied then channel_vacated (after the 3 s grace)', opts, async (t) => {
  const c = await connectClient(server.port, { sdk, label: 'c' });
  t.after(() => disconnectAll([c]));
  await c.subscribe('hooked-2');
  const occ = await waitHook((e) => e.name === 'channel_occupied' && e.channel === 'hooked-2', 'occupied');
  assert.deepEqual(occ, { name: 'channel_occupied', channel: 'hooked-2' });
  const left = Date.now();
  c.pusher.unsubscribe('hooked-2');
  const vac = await waitHook((e) => e.name === 'channel_vacated' && e.channel === 'hooked-2', 'vacated', 15000);
  assert.deepEqual(vac, { name: 'channel_vacated', channel: 'hooked-2' });
  assert.ok(Date.now() - left >= 2500, 'channel_vacated should wait about 3 s');
});

test('member_added and member_removed with user_id', opts, async (t) => {
  const c = await connectClient(server.port, { sdk, label: 'c', presence: { user_id: 'hook-user', user_info: {} } });
  t.after(() => disconnectAll([c]));
  await c.subscribe('presence-hooked');
  const add = await waitHook((e) => e.name === 'member_added' && e.channel === 'presence-hooked', 'member_added');
  assert.deepEqual(add, { name: 'member_added', channel: 'presence-hooked', user_id: 'hook-user' });
  c.disconnect();
  const rem = await waitHook((e) => e.name === 'member_removed' && e.channel === 'presence-hooked', 'member_removed', 15000);
  assert.deepEqual(rem, { name: 'member_removed', channel: 'presence-hooked', user_id: 'hook-user' });
});

test('a quick leave-and-rejoin sends no channel_vacated', opts, async (t) => {
  const c = await connectClient(server.port, { sdk, label: 'c' });
  t.after(() => disconnectAll([c]));
  await c.subscribe('hooked-flap');
  await waitHook((e) => e.name === 'channel_occupied' && e.channel === 'hooked-flap', 'occupied');
  c.pusher.unsubscribe('hooked-flap');
  await c.subscribe('hooked-flap');
  await new Promise((r) => setTimeout(r, 4500));
  assert.equal(allEvents().filter((e) => e.name === 'channel_vacated' && e.channel === 'hooked-flap').length, 0);
});

test('client_event webhook carries event, data, socket_id', opts, async (t) => {
  const a = await connectClient(server.port, { sdk, label: 'a' });
  const b = await connectClient(server.port, { sdk, label: 'b' });
  t.after(() => disconnectAll([a, b]));
  const chA = await a.subscribe('private-hooked');
  await b.subscribe('private-hooked');
  chA.trigger('client-ping', { n: 1 });
  const ev = await waitHook((e) => e.name === 'client_event' && e.channel === 'private-hooked', 'client_event');
  assert.equal(ev.event, 'client-ping');
  assert.deepEqual(JSON.parse(ev.data), { n: 1 });
  assert.equal(ev.socket_id, a.socketId);
});

test('cache_miss webhook', opts, async (t) => {
  const c = await connectClient(server.port, { sdk, label: 'c' });
  t.after(() => disconnectAll([c]));
  c.pusher.subscribe('cache-hooked');
  const ev = await waitHook((e) => e.name === 'cache_miss' && e.channel === 'cache-hooked', 'cache_miss');
  assert.deepEqual(ev, { name: 'cache_miss', channel: 'cache-hooked' });
});
