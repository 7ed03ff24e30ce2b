'use strict';
// Server-side activity checks with a short activity_timeout.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');

const h = useServer({ activityTimeout: 2 });

test('handshake advertises the configured activity_timeout', async (t) => {
  const ws = await h.raw(t);
  assert.equal(JSON.parse(ws.established.msg.data).activity_timeout, 2);
});

test('a silent connection gets pusher:ping and stays open after answering', async (t) => {
  const ws = await h.raw(t);
  const ping = await ws.waitEvent('pusher:ping', () => true, 8000);
  assert.ok(ping);
  ws.send({ event: 'pusher:pong', data: {} });
  // Still open: a later request is answered.
  await new Promise((r) => setTimeout(r, 500));
  ws.send({ event: 'pusher:ping', data: {} });
  await ws.waitEvent('pusher:pong');
  assert.equal(ws.closeInfo, null);
});

test('a connection that keeps talking is not pinged', async (t) => {
  const ws = await h.raw(t);
  const start = ws.frames.items.length;
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 500));
    ws.send({ event: 'pusher:ping', data: {} });
  }
  await ws.frames.waitForCount((f) => f.msg && f.msg.event === 'pusher:pong', 6, 'six pongs');
  const pings = ws.frames.items.slice(start).filter((f) => f.msg && f.msg.event === 'pusher:ping');
  assert.equal(pings.length, 0);
});

test('pusher-js stays connected across several activity intervals', async (t) => {
  const c = await h.client(t, { label: 'c' });
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(c.pusher.connection.state, 'connected');
  // the recorder is bound after 'connecting' fired inside the constructor
  assert.deepEqual(c.states.items.slice(), ['connected']);
});
