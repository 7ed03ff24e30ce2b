'use strict';
// The web console (`sockudo serve --console`) in headless Chromium (Debian's `chromium`, driven by
// playwright-core): connect, subscribe, trigger from the form and see the frame in the log, batch
// and socket exclusion, presence members appearing live from a second page, a client event, the
// channel list, delta-compressed frames shown decoded with the bytes saved (fossil and xdelta3),
// private-encrypted channels (decrypted in the log, encrypted by the trigger form, interoperating
// with the pusher SDK and pusher-js), and no request to any host but the server.
// Screenshot: docs/console.png.
//
// Without /usr/bin/chromium the test is skipped, except under CI where it fails
// (scripts/test.sh installs the `chromium` package).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const crypto = require('node:crypto');
const { startServer, defaultApp, REPO } = require('../lib/server');
const { connectClient, serverSdk, waitChannelEvent, disconnectAll } = require('../lib/clients');
const { connectRaw } = require('../lib/rawws');

const CHROMIUM = process.env.SOCKUDO_CHROMIUM || '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing under CI: install Debian's chromium package (scripts/test.sh does)`);
}
const skip = HAVE_CHROMIUM ? false : `${CHROMIUM} not found (apt-get install chromium)`;
const WAIT = { timeout: 15000 };
// app-1 has an encryption master key (private-encrypted channels); app-2 has none.
const MASTER_KEY = crypto.randomBytes(32).toString('base64');

let server;
let browser;
let origin;
const foreign = [];

before(async () => {
  if (skip) return;
  server = await startServer({
    env: { CONSOLE_ENABLED: 'true' },
    apps: [
      defaultApp({ encryption_master_key_base64: MASTER_KEY }),
      defaultApp({ id: 'app-2', key: 'key-2', secret: 'secret-2' }),
    ],
  });
  origin = `http://127.0.0.1:${server.port}`;
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// A page in its own context (fresh profile state), recording every request and WebSocket, and
// every frame the page's WebSocket received. opts.app picks the app, opts.delta turns delta
// compression on with that algorithm first, opts.beforeGoto(page) runs before the page loads.
async function openConsole(t, userId, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.host !== `127.0.0.1:${server.port}`) foreign.push(request.url());
  });
  const received = [];
  page.on('websocket', (ws) => {
    const url = new URL(ws.url());
    if (url.host !== `127.0.0.1:${server.port}`) foreign.push(ws.url());
    ws.on('framereceived', ({ payload }) => received.push(String(payload)));
  });
  if (opts.beforeGoto) await opts.beforeGoto(page);
  await page.goto(`${origin}/console`);
  await page.locator('#app option[value="app-1"]').waitFor({ state: 'attached', ...WAIT });
  if (opts.app) await page.selectOption('#app', opts.app);
  if (opts.delta) {
    await page.check('#delta-enabled');
    await page.selectOption('#delta-algorithm', opts.delta);
  }
  await page.fill('#user-id', userId);
  await page.fill('#user-name', userId[0].toUpperCase() + userId.slice(1));
  await page.click('#connect');
  await page.locator('#state', { hasText: /^connected$/ }).waitFor(WAIT);
  assert.match(await page.textContent('#socket-id'), /^\d+\.\d+$/);
  if (opts.delta) await page.locator('#delta-state', { hasText: new RegExp(`^${opts.delta}$`) }).waitFor(WAIT);
  return { page, errors, received };
}

async function subscribe(page, channel) {
  await page.fill('#channel-name', channel);
  await page.click('#subscribe');
  await page
    .locator(`#subscriptions li[data-channel="${channel}"] .sub-state`, { hasText: 'subscribed' })
    .waitFor(WAIT);
}

const inbound = (page, event, text) =>
  page.locator('#log tbody tr.in', { hasText: event }).filter({ hasText: text });

async function trigger(page, channels, event, data) {
  await page.fill('#trigger-channels', channels);
  await page.fill('#trigger-event', event);
  await page.fill('#trigger-data', JSON.stringify(data));
  await page.click('#trigger-send');
}

// A ticker quote: a few hundred bytes of which one field changes, so deltas pay.
const quote = (bid, repeat = 5) => ({
  symbol: 'BTC-USD',
  bid,
  ask: '64010.00',
  venue: 'console-e2e',
  description: 'A quote whose other fields stay the same from one message to the next. '.repeat(repeat),
});

// The numbers of a delta row: "<n> B frame instead of <m> B, <k> B saved (<p>%)".
async function deltaInfo(row) {
  const text = await row.locator('.delta-info').textContent();
  const m = text.match(/^pusher:delta (\w+) seq (\d+) \(base (\d+)\): (\d+) B frame instead of (\d+) B, (\d+) B saved \((\d+)%\)$/);
  assert.ok(m, `unexpected delta note: ${text}`);
  const [, algorithm, seq, base, delta, full, saved, share] = m;
  return { algorithm, seq: +seq, base: +base, delta: +delta, full: +full, saved: +saved, share: +share };
}

test('the console connects, subscribes, triggers, shows presence live and stays on this server', { skip }, async (t) => {
  // Alice's console asks for delta compression: everything else works as without.
  const alice = await openConsole(t, 'alice', { delta: 'fossil' });
  const page = alice.page;
  await subscribe(page, 'my-channel');

  // Invalid JSON is refused before anything is sent.
  await page.fill('#trigger-channels', 'my-channel');
  await page.fill('#trigger-event', 'greeting');
  await page.fill('#trigger-data', '{"hello": ');
  await page.click('#trigger-send');
  await page.locator('#trigger-error', { hasText: 'not valid JSON' }).waitFor(WAIT);
  assert.equal(await page.textContent('#trigger-result'), '');

  // A trigger from the form arrives over pusher-js and lands in the log.
  await page.fill('#trigger-data', '{"hello": "world"}');
  await page.click('#trigger-send');
  await inbound(page, 'greeting', '"hello":"world"').waitFor(WAIT);
  const row = inbound(page, 'greeting', 'world').first();
  assert.match(await row.locator('td').nth(0).textContent(), /^\d\d:\d\d:\d\d\.\d{3}$/);
  assert.equal(await row.locator('td').nth(2).textContent(), 'my-channel');
  // The subscribe frame went out.
  await page.locator('#log tbody tr.out', { hasText: 'pusher:subscribe' }).first().waitFor(WAIT);

  // The channel list refreshes with the subscriber count.
  await page
    .locator('#channel-table tr[data-channel="my-channel"] .subscribers', { hasText: /^1$/ })
    .waitFor(WAIT);

  // Presence: a second page joins, the first sees the member appear.
  await subscribe(page, 'presence-room');
  await page.locator('li[data-channel="presence-room"] li[data-member-id="alice"]').waitFor(WAIT);
  const bob = await openConsole(t, 'bob');
  await subscribe(bob.page, 'presence-room');
  await subscribe(bob.page, 'my-channel');
  await page.locator('li[data-channel="presence-room"] li[data-member-id="bob"]').waitFor(WAIT);
  await bob.page.locator('li[data-channel="presence-room"] li[data-member-id="alice"]').waitFor(WAIT);
  await page
    .locator('#channel-table tr[data-channel="presence-room"] .subscribers', { hasText: /^2$/ })
    .waitFor(WAIT);

  // A client event from Bob's page reaches Alice's.
  await bob.page.selectOption('#client-channel', 'presence-room');
  await bob.page.fill('#client-event', 'client-wave');
  await bob.page.fill('#client-data', '{"from": "bob"}');
  await bob.page.click('#client-send');
  await inbound(page, 'client-wave', 'bob').waitFor(WAIT);

  // Socket exclusion: Alice excludes her own socket; Bob gets the event, Alice does not (checked
  // once a later batch has arrived on the same socket).
  await page.fill('#trigger-event', 'not-for-alice');
  await page.fill('#trigger-data', '{"n": 1}');
  await page.check('#trigger-exclude');
  await page.click('#trigger-send');
  await inbound(bob.page, 'not-for-alice', '"n":1').waitFor(WAIT);
  await page.uncheck('#trigger-exclude');

  // Batch: two queued events, one request.
  await page.fill('#trigger-channels', 'my-channel, presence-room');
  await page.fill('#trigger-event', 'batched');
  await page.fill('#trigger-data', '{"batch": true}');
  await page.click('#batch-add');
  await page.locator('#batch-send', { hasText: 'Send batch (2)' }).waitFor(WAIT);
  await page.click('#batch-send');
  await inbound(page, 'batched', 'my-channel').waitFor(WAIT);
  await inbound(page, 'batched', 'presence-room').waitFor(WAIT);
  assert.equal(await inbound(page, 'not-for-alice', '').count(), 0);

  // Two quotes: the second reaches Alice as a delta, shown decoded (Bob gets it in full).
  await trigger(page, 'my-channel', 'quote', quote('64000.10', 2));
  await inbound(page, 'quote', '64000.10').waitFor(WAIT);
  await trigger(page, 'my-channel', 'quote', quote('64000.20', 2));
  await page.locator('#log tbody tr.in.delta', { hasText: 'quote' }).filter({ hasText: '64000.20' }).waitFor(WAIT);
  await inbound(bob.page, 'quote', '64000.20').waitFor(WAIT);
  assert.equal(await bob.page.locator('#log tbody tr.delta').count(), 0);

  // Both members present, the counts refreshed. SOCKUDO_E2E_SCREENSHOT=1 refreshes the
  // screenshot in docs/; otherwise it goes to a temp file, so test runs leave the tree clean.
  await page
    .locator('#channel-table tr[data-channel="my-channel"] .subscribers', { hasText: /^2$/ })
    .waitFor(WAIT);
  const shot = process.env.SOCKUDO_E2E_SCREENSHOT === '1'
    ? path.join(REPO, 'docs', 'console.png')
    : path.join(require('node:os').tmpdir(), `sockudo-console-${process.pid}.png`);
  await page.screenshot({ path: shot });

  // Filter, pause, clear.
  await page.fill('#filter-event', 'batched');
  assert.equal(await page.locator('#log tbody tr').count(), await page.locator('#log tbody tr', { hasText: 'batched' }).count());
  await page.fill('#filter-event', '');

  // Bob leaves: Alice sees the member go.
  await bob.page.click('#disconnect');
  await page.locator('li[data-channel="presence-room"] li[data-member-id="bob"]').waitFor({ state: 'detached', ...WAIT });

  await page.check('#pause');
  await page.click('#clear');
  assert.equal(await page.locator('#log tbody tr').count(), 0);

  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
  assert.deepEqual(foreign, [], 'the console requested hosts other than the server');
});

test('delta compression: pusher:delta frames are shown decoded with the bytes saved', { skip }, async (t) => {
  const fossil = await openConsole(t, 'dora', { delta: 'fossil' });
  const xdelta = await openConsole(t, 'xavier', { delta: 'xdelta3' });
  // A third page whose first pusher:delta is tampered with on the way (its base_seq made wrong).
  const tampered = await openConsole(t, 'tom', {
    delta: 'fossil',
    beforeGoto: (page) => page.routeWebSocket(/\/app\//, (ws) => {
      const upstream = ws.connectToServer();
      let done = false;
      upstream.onMessage((message) => {
        if (!done && String(message).includes('"pusher:delta"')) {
          done = true;
          const frame = JSON.parse(message);
          frame.data = JSON.stringify({ ...JSON.parse(frame.data), base_seq: 99 });
          message = JSON.stringify(frame);
        }
        ws.send(message);
      });
    }),
  });
  // A plain subscriber: what the same events cost without deltas.
  const plain = await connectRaw(server.port);
  t.after(() => plain.destroy());
  plain.send({ event: 'pusher:subscribe', data: { channel: 'ticker' } });
  await plain.waitEvent('pusher_internal:subscription_succeeded');
  for (const { page } of [fossil, xdelta, tampered]) await subscribe(page, 'ticker');
  // The opt-in went out on the console's pusher-js connection.
  await fossil.page
    .locator('#log tbody tr.out', { hasText: 'pusher:enable_delta_compression' })
    .filter({ hasText: '"algorithms":["fossil","xdelta3"]' })
    .waitFor(WAIT);
  await xdelta.page
    .locator('#log tbody tr.out', { hasText: 'pusher:enable_delta_compression' })
    .filter({ hasText: '"algorithms":["xdelta3","fossil"]' })
    .waitFor(WAIT);

  const bids = ['64000.10', '64000.20', '64000.35'];
  for (const bid of bids) {
    await trigger(fossil.page, 'ticker', 'quote', quote(bid));
    for (const { page } of [fossil, xdelta]) await inbound(page, 'quote', bid).waitFor(WAIT);
    if (bid !== bids[1]) await inbound(tampered.page, 'quote', bid).waitFor(WAIT);
    else {
      // The tampered page sent pusher:delta_sync_error; a ping after it, answered, means the
      // server has handled it before the next quote.
      await tampered.page
        .locator('#log tbody tr.out', { hasText: 'pusher:delta_sync_error' })
        .filter({ hasText: '"channel":"ticker"' })
        .waitFor(WAIT);
      await tampered.page.evaluate(() => Pusher.instances[0].send_event('pusher:ping', {}));
      await tampered.page.locator('#log tbody tr.in', { hasText: 'pusher:pong' }).waitFor(WAIT);
    }
    await plain.waitEvent('quote', (m) => m.data.includes(bid));
  }

  for (const [{ page, received }, algorithm] of [[fossil, 'fossil'], [xdelta, 'xdelta3']]) {
    // The first quote came in full, as the base of its stream.
    const first = inbound(page, 'quote', bids[0]).first();
    assert.match(await first.locator('.note').textContent(), /^full message, delta stream seq 1$/);
    assert.equal(await first.evaluate((tr) => tr.classList.contains('delta')), false);
    // The next two came as deltas: shown under the published event name, with the published
    // data reconstructed exactly, and the bytes saved.
    const wire = received.filter((f) => f.includes('"pusher:delta"'));
    assert.equal(wire.length, 2, `${algorithm}: two pusher:delta frames arrived`);
    for (const [index, bid] of bids.slice(1).entries()) {
      const row = page.locator('#log tbody tr.in.delta', { hasText: 'quote' }).filter({ hasText: bid });
      assert.equal(await row.count(), 1);
      assert.equal(await row.locator('td').nth(2).textContent(), 'ticker');
      assert.match(await row.locator('td').nth(3).textContent(), /^quote delta$/);
      const data = await row.locator('td.data').evaluate((td) => td.firstChild.textContent);
      assert.equal(data, JSON.stringify(quote(bid)));
      const info = await deltaInfo(row);
      assert.equal(info.algorithm, algorithm);
      assert.equal(info.seq, index + 2);
      assert.equal(info.base, index + 1);
      // The delta frame's size is that of the frame on the wire; the full size that of the
      // plain frame another subscriber got.
      const deltaFrame = wire[index];
      assert.equal(JSON.parse(JSON.parse(deltaFrame).data).algorithm, algorithm);
      assert.equal(info.delta, Buffer.byteLength(deltaFrame));
      const plainFrame = plain.frames.all((f) => f.msg && f.msg.event === 'quote' && f.msg.data.includes(bid))[0].raw;
      assert.equal(info.full, Buffer.byteLength(plainFrame));
      assert.equal(info.saved, info.full - info.delta);
      assert.ok(info.saved > 200, `${algorithm} saved ${info.saved} B`);
      assert.equal(info.share, Math.round((100 * info.saved) / info.full));
    }
    // Filtering on pusher:delta finds the delta rows (and pusher:delta_compression_enabled).
    await page.fill('#filter-event', 'pusher:delta');
    assert.equal(await page.locator('#log tbody tr.delta').count(), 2);
    assert.equal(await page.locator('#log tbody tr').count(), 3);
    await page.fill('#filter-event', '');
  }

  // The tampered delta: shown as not decoded, a pusher:delta_sync_error went out, and the next
  // quote came in full.
  const bad = tampered.page.locator('#log tbody tr.in.error', { hasText: 'pusher:delta' });
  assert.match(await bad.locator('.note').textContent(), /^pusher:delta not decoded \(missing base 99 .*pusher:delta_sync_error/);
  const recovered = inbound(tampered.page, 'quote', bids[2]);
  assert.match(await recovered.locator('.note').textContent(), /^full message, delta stream seq 3$/);
  assert.equal(await tampered.page.locator('#log tbody tr.delta').count(), 0);

  assert.deepEqual(fossil.errors, []);
  assert.deepEqual(xdelta.errors, []);
  assert.deepEqual(tampered.errors, []);
  assert.deepEqual(foreign, [], 'the console requested hosts other than the server');
});

test('private-encrypted channels: decrypted in the log, encrypted by the trigger form', { skip }, async (t) => {
  const CH = 'private-encrypted-vault';
  const { page, errors, received } = await openConsole(t, 'eve');
  assert.doesNotMatch(await page.textContent('#encryption-hint'), /no encryption master key/);
  await subscribe(page, CH);
  // Encrypted channels take no client events: not offered in the client event form.
  assert.equal(await page.locator(`#client-channel option[value="${CH}"]`).count(), 0);

  // A pusher-js client elsewhere, authorized by the pusher SDK with the same master key.
  const sdk = serverSdk(server.port, { encryptionMasterKeyBase64: MASTER_KEY });
  const other = await connectClient(server.port, { sdk, label: 'pusher-js' });
  t.after(() => disconnectAll([other]));
  const channel = await other.subscribe(CH);

  // From the form: encrypted in the page, decrypted by pusher-js and by the page's log.
  const secret = { message: 'attack at dawn', n: 42 };
  const got = waitChannelEvent(channel, 'secret', 5000, 'the console\'s encrypted event');
  await trigger(page, CH, 'secret', secret);
  assert.deepEqual((await got).data, secret);
  const row = page.locator('#log tbody tr.in.decrypted', { hasText: 'secret' }).filter({ hasText: 'attack at dawn' });
  await row.waitFor(WAIT);
  assert.match(await row.locator('td').nth(3).textContent(), /^secret decrypted$/);
  assert.equal(await row.locator('td.data').evaluate((td) => td.firstChild.textContent), JSON.stringify(secret));
  assert.match(await row.locator('.note').textContent(), /^decrypted in this page/);
  // Neither the request nor the frame carried the plaintext.
  const frame = JSON.parse(received.find((f) => f.includes('"event":"secret"')));
  assert.deepEqual(Object.keys(JSON.parse(frame.data)).sort(), ['ciphertext', 'nonce']);
  assert.doesNotMatch(frame.data, /attack at dawn/);
  // Newest first: the request, then its answer.
  const request = page.locator('#log tbody tr.http', { hasText: 'trigger secret' }).last();
  assert.doesNotMatch(await request.textContent(), /attack at dawn/);
  assert.match(await request.textContent(), /data encrypted in this page for private-encrypted-vault/);

  // From the pusher SDK: the page decrypts what the SDK encrypted.
  await sdk.trigger(CH, 'from-sdk', { hello: 'from the SDK' });
  await page.locator('#log tbody tr.in.decrypted', { hasText: 'from-sdk' }).filter({ hasText: 'from the SDK' }).waitFor(WAIT);

  // A batch encrypts each encrypted channel's event with its own key.
  await page.fill('#trigger-channels', `${CH}, my-channel`);
  await page.fill('#trigger-event', 'batched-secret');
  await page.fill('#trigger-data', '{"batch": "sealed"}');
  const gotBatch = waitChannelEvent(channel, 'batched-secret', 5000, 'the batched encrypted event');
  await page.click('#batch-add');
  await page.locator('#batch-send', { hasText: 'Send batch (2)' }).waitFor(WAIT);
  await page.click('#batch-send');
  assert.deepEqual((await gotBatch).data, { batch: 'sealed' });
  await page.locator('#log tbody tr.in.decrypted', { hasText: 'batched-secret' }).waitFor(WAIT);

  // One trigger to an encrypted channel and another channel is refused before sending.
  await page.click('#trigger-send');
  await page.locator('#trigger-error', { hasText: 'Each private-encrypted- channel has its own key' }).waitFor(WAIT);

  // An app without a master key: the page says so, and the server refuses with the reason.
  const plainApp = await openConsole(t, 'mallory', { app: 'app-2' });
  const hint = plainApp.page.locator('#encryption-hint.warning');
  assert.match(await hint.textContent(), /no encryption master key \(encryption_master_key_base64/);
  await plainApp.page.fill('#channel-name', 'private-encrypted-nope');
  await plainApp.page.click('#subscribe');
  await plainApp.page.locator('#error', { hasText: 'has no encryption master key' }).waitFor(WAIT);
  assert.match(await plainApp.page.textContent('#error'), /encryption_master_key_base64/);
  await trigger(plainApp.page, 'private-encrypted-nope', 'e', { x: 1 });
  await plainApp.page.locator('#trigger-error', { hasText: 'encryption_master_key_base64' }).waitFor(WAIT);
  assert.equal(await plainApp.page.locator('#log tbody tr.http').count(), 0);

  assert.deepEqual(errors, []);
  assert.deepEqual(plainApp.errors, []);
  assert.deepEqual(foreign, [], 'the console requested hosts other than the server');
});

// The CSRF token the console's page carries (its script sends it on every API call).
async function consoleCsrf() {
  const html = await (await fetch(`${origin}/console`)).text();
  const m = html.match(/<meta name="sockudo-console-csrf" content="([0-9a-f]{64})">/);
  assert.ok(m, 'the page carries a CSRF token');
  return m[1];
}

test('console API: secrets stay out, forwarded requests need the token', { skip }, async () => {
  const headers = { 'X-Console-Csrf': await consoleCsrf() };
  const apps = await (await fetch(`${origin}/console/api/apps`, { headers })).text();
  assert.match(apps, /"key":"key-1"/);
  assert.doesNotMatch(apps, /secret-1/);
  assert.ok(!apps.includes(MASTER_KEY), 'the master key stays on the server');
  const encrypted = Object.fromEntries(JSON.parse(apps).apps.map((a) => [a.id, a.encrypted_channels]));
  assert.deepEqual(encrypted, { 'app-1': true, 'app-2': false });
  const forwarded = await fetch(`${origin}/console/api/apps`, { headers: { ...headers, 'X-Forwarded-For': '192.0.2.1' } });
  assert.equal(forwarded.status, 403);
  const withoutToken = await fetch(`${origin}/console/api/apps`);
  assert.equal(withoutToken.status, 403);
});

// A page of another site open in the developer's browser tries what an attacker would: read the
// app list, publish with a request the browser sends without preflight, publish with the console's
// header (preflighted), and read the page for its CSRF token. It gets nothing, and nothing is
// published: a subscriber's first event is the one published after the attack.
test('a page of another origin can neither read the console nor publish through it', { skip }, async (t) => {
  const attacker = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>elsewhere</title><p>elsewhere</p>');
  });
  await new Promise((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  t.after(() => attacker.close());
  const subscriber = await connectClient(server.port, { label: 'subscriber' });
  t.after(() => disconnectAll([subscriber]));
  const news = subscriber.record(await subscriber.subscribe('news'));

  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const answers = [];
  page.on('response', (r) => answers.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
  // localhost is another site than 127.0.0.1 for the browser, and both reach this host.
  await page.goto(`http://localhost:${attacker.address().port}/`);
  const tried = await page.evaluate(async (target) => {
    const attempt = async (what) => {
      try {
        const response = await what();
        return `answered ${response.status} ${(await response.text()).slice(0, 40)}`;
      } catch (e) {
        return 'blocked';
      }
    };
    const events = `${target}/console/api/apps/app-1/events`;
    const body = JSON.stringify({ name: 'stolen', channel: 'news', data: 'x' });
    return {
      read: await attempt(() => fetch(`${target}/console/api/apps`)),
      simplePost: await attempt(() =>
        fetch(events, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body })),
      preflighted: await attempt(() =>
        fetch(events, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Console-Csrf': 'guess' }, body })),
      page: await attempt(() => fetch(`${target}/console`)),
    };
  }, origin);
  assert.deepEqual(tried, {
    read: 'blocked',
    // An opaque answer: the page learns nothing, and the server refused it (below).
    simplePost: 'answered 0 ',
    preflighted: 'blocked',
    page: 'blocked',
  });
  assert.ok(answers.includes('POST /console/api/apps/app-1/events 403'), answers.join('\n'));

  await subscriber.sdk.trigger('news', 'mine', { ok: true });
  await news.waitFor((e) => e.event === 'mine', 'the event published after the attack');
  assert.deepEqual(news.all((e) => !e.event.startsWith('pusher')).map((e) => e.event), ['mine']);
});
