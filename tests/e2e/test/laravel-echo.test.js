'use strict';
// Laravel Echo (laravel-echo from npm, on pusher-js) against sockudo, with a stand-in for a
// Laravel app: its /broadcasting/auth route signs channels with the app secret (as Laravel's
// PusherBroadcaster does, through the pusher SDK) and its events are triggered through the
// HTTP API as Laravel's broadcaster sends them. The setup docs/laravel.md describes.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const Pusher = require('pusher-js');
const { useServer } = require('../lib/harness');
const { APP } = require('../lib/server');

const h = useServer();

// The Laravel app: POST /broadcasting/auth with socket_id and channel_name (form-encoded), the
// CSRF token in X-CSRF-TOKEN. User 1 may join everything but private-admin.
const laravel = { requests: [] };
// laravel-echo ships as an ES module only.
let Echo;
before(async () => {
  Echo = (await import('laravel-echo')).default;
  laravel.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const socketId = form.get('socket_id');
      const channel = form.get('channel_name');
      laravel.requests.push({ path: req.url, channel, csrf: req.headers['x-csrf-token'] });
      if (req.url !== '/broadcasting/auth' || req.headers['x-csrf-token'] !== 'csrf-1') {
        res.writeHead(419).end();
        return;
      }
      if (channel === 'private-admin') {
        res.writeHead(403).end();
        return;
      }
      const presence = channel.startsWith('presence-')
        ? { user_id: form.get('user') || '1', user_info: { name: `User ${form.get('user') || '1'}` } }
        : undefined;
      const auth = h.sdk.authorizeChannel(socketId, channel, presence);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(auth));
    });
  });
  await new Promise((resolve) => laravel.server.listen(0, '127.0.0.1', resolve));
  laravel.url = `http://127.0.0.1:${laravel.server.address().port}`;
});
after(() => laravel.server.close());

// Echo as a Laravel app's resources/js/echo.js sets it up for sockudo (docs/laravel.md).
function echo(t, { broadcaster = 'pusher', user = '1' } = {}) {
  const instance = new Echo({
    broadcaster,
    key: APP.key,
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: h.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    authEndpoint: `${laravel.url}/broadcasting/auth`,
    csrfToken: 'csrf-1',
    auth: { headers: {}, params: { user } },
    Pusher,
  });
  t.after(() => instance.disconnect());
  return instance;
}

function connected(instance) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Echo did not connect')), 10000);
    instance.connector.pusher.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    if (instance.connector.pusher.connection.state === 'connected') {
      clearTimeout(timer);
      resolve();
    }
  });
}

function next(register, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10000);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function subscribed(channel, what) {
  return next((done) => channel.subscribed(done), `subscription to ${what}`);
}

test('a public channel hears an event broadcast as Laravel names it', async (t) => {
  const client = echo(t);
  await connected(client);
  const orders = client.channel('orders');
  await subscribed(orders, 'orders');
  const heard = next((done) => orders.listen('OrderShipped', done), 'OrderShipped');
  // Laravel's broadcaster: the event's class name, its public properties as data.
  await h.sdk.trigger('orders', 'App\\Events\\OrderShipped', { order: { id: 7 } });
  assert.deepEqual(await heard, { order: { id: 7 } });
});

test('a private channel is authorized by the Laravel route; broadcastAs names with a dot', async (t) => {
  const client = echo(t);
  await connected(client);
  const channel = client.private('App.Models.User.1');
  await subscribed(channel, 'the private channel');
  const auth = laravel.requests.find((r) => r.channel === 'private-App.Models.User.1');
  assert.deepEqual(auth, { path: '/broadcasting/auth', channel: 'private-App.Models.User.1', csrf: 'csrf-1' });
  const heard = next((done) => channel.listen('.invoice.paid', done), '.invoice.paid');
  await h.sdk.trigger('private-App.Models.User.1', 'invoice.paid', { amount: 12 });
  assert.deepEqual(await heard, { amount: 12 });
});

test('a channel the route refuses fails with its status', async (t) => {
  const client = echo(t);
  await connected(client);
  const channel = client.private('admin');
  const failure = await next((done) => channel.error(done), 'subscription error');
  assert.equal(failure.status, 403);
});

test('presence: here, joining and leaving; whispers between members', async (t) => {
  const first = echo(t, { user: '1' });
  const second = echo(t, { user: '2' });
  await Promise.all([connected(first), connected(second)]);
  const room = first.join('chat.1');
  const here = await next((done) => room.here(done), 'here');
  assert.deepEqual(here, [{ name: 'User 1' }]);
  const joining = next((done) => room.joining(done), 'joining');
  const whisper = next((done) => room.listenForWhisper('typing', done), 'whisper');
  const other = second.join('chat.1');
  const hereToo = await next((done) => other.here(done), 'here on the second');
  assert.deepEqual(hereToo.map((m) => m.name).sort(), ['User 1', 'User 2']);
  assert.deepEqual(await joining, { name: 'User 2' });
  other.whisper('typing', { name: 'User 2' });
  assert.deepEqual(await whisper, { name: 'User 2' });
  const leaving = next((done) => room.leaving(done), 'leaving');
  second.leave('chat.1');
  assert.deepEqual(await leaving, { name: 'User 2' });
});

test("Laravel Reverb's broadcaster speaks the same protocol", async (t) => {
  const client = echo(t, { broadcaster: 'reverb' });
  await connected(client);
  const news = client.channel('news');
  await subscribed(news, 'news');
  const heard = next((done) => news.listen('.headline', done), 'headline');
  await h.sdk.trigger('news', 'headline', 'Hello');
  assert.equal(await heard, 'Hello');
});
