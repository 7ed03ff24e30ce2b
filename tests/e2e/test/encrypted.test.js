'use strict';
// private-encrypted- channels: the server SDK encrypts, pusher-js decrypts, the
// server authorises and relays the opaque {nonce, ciphertext} untouched.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { useServer } = require('../lib/harness');
const { waitChannelEvent, serverSdk } = require('../lib/clients');

const MASTER_KEY = crypto.randomBytes(32).toString('base64');
const h = useServer({ sdk: { encryptionMasterKeyBase64: MASTER_KEY } });

test('an encrypted event is decrypted by pusher-js; the wire carries only nonce and ciphertext', async (t) => {
  const CH = 'private-encrypted-secrets';
  const a = await h.client(t, { label: 'a' });
  const ch = await a.subscribe(CH);
  const got = waitChannelEvent(ch, 'secret', 5000, 'decrypted secret');
  const payload = { message: 'attack at dawn', n: 42, list: [1, 2, 3] };
  const res = await h.sdk.trigger(CH, 'secret', payload);
  assert.equal(res.status, 200);
  assert.deepEqual((await got).data, payload);

  // What came over the wire (pusher-js' connection-level view, before decryption).
  const wire = a.events.all((e) => e.event === 'secret' && e.channel === CH);
  assert.equal(wire.length, 1);
  assert.deepEqual(Object.keys(wire[0].data).sort(), ['ciphertext', 'nonce']);
  assert.ok(!JSON.stringify(wire[0].data).includes('attack at dawn'));
  assert.equal(Buffer.from(wire[0].data.nonce, 'base64').length, 24);
});

test('the relayed ciphertext is byte-identical to what the SDK posted (raw)', async (t) => {
  const CH = 'private-encrypted-raw';
  const ws = await h.raw(t);
  const auth = h.sdk.authorizeChannel(ws.socketId, CH);
  assert.ok(auth.shared_secret, 'the SDK returns shared_secret for encrypted channels');
  ws.send({ event: 'pusher:subscribe', data: { channel: CH, auth: auth.auth } });
  await ws.waitEvent('pusher_internal:subscription_succeeded');
  // Post an already-encrypted body ourselves via a non-encrypting path: the batch
  // API encrypts too, so build the ciphertext with the SDK's own helper.
  const nacl = require('tweetnacl');
  const key = h.sdk.channelSharedSecret(CH);
  const nonce = nacl.randomBytes(24);
  const box = nacl.secretbox(Buffer.from(JSON.stringify({ hi: 'there' })), nonce, key);
  const data = JSON.stringify({
    nonce: Buffer.from(nonce).toString('base64'),
    ciphertext: Buffer.from(box).toString('base64'),
  });
  const plain = serverSdk(h.port); // no master key: posts data as given
  await plain.post({ path: '/events', body: { name: 'boxed', channels: [CH], data } });
  const f = await ws.waitEvent('boxed');
  assert.equal(f.msg.data, data);
  const opened = nacl.secretbox.open(
    Buffer.from(JSON.parse(f.msg.data).ciphertext, 'base64'),
    Buffer.from(JSON.parse(f.msg.data).nonce, 'base64'),
    key,
  );
  assert.deepEqual(JSON.parse(Buffer.from(opened).toString()), { hi: 'there' });
});

test('an encrypted channel subscription with a bad signature is rejected', async (t) => {
  const CH = 'private-encrypted-guarded';
  const ws = await h.raw(t);
  ws.send({ event: 'pusher:subscribe', data: { channel: CH, auth: 'key-1:' + '0'.repeat(64) } });
  await ws.frames.waitFor(
    (f) => f.msg && (f.msg.event === 'pusher:error' || f.msg.event === 'pusher:subscription_error'),
    'rejection',
  );
  assert.equal(ws.events('pusher_internal:subscription_succeeded').length, 0);
});

test('two subscribers each decrypt the same event', async (t) => {
  const CH = 'private-encrypted-shared';
  const a = await h.client(t, { label: 'a' });
  const b = await h.client(t, { label: 'b' });
  const chA = await a.subscribe(CH);
  const chB = await b.subscribe(CH);
  const gA = waitChannelEvent(chA, 'e', 5000);
  const gB = waitChannelEvent(chB, 'e', 5000);
  await h.sdk.trigger(CH, 'e', 'plain string payload');
  assert.equal((await gA).data, 'plain string payload');
  assert.equal((await gB).data, 'plain string payload');
});
