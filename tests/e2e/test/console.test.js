'use strict';
// The web console (`sockudo serve --console`) in headless Chromium (Debian's `chromium`, driven by
// playwright-core): connect, subscribe, trigger from the form and see the frame in the log, batch
// and socket exclusion, presence members appearing live from a second page, a client event, the
// channel list, and no request to any host but the server. Screenshot: docs/console.png.
//
// Without /usr/bin/chromium the test is skipped, except under CI where it fails
// (scripts/test.sh installs the `chromium` package).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, REPO } = require('../lib/server');

const CHROMIUM = process.env.SOCKUDO_CHROMIUM || '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing under CI: install Debian's chromium package (scripts/test.sh does)`);
}
const skip = HAVE_CHROMIUM ? false : `${CHROMIUM} not found (apt-get install chromium)`;
const WAIT = { timeout: 15000 };

let server;
let browser;
let origin;
const foreign = [];

before(async () => {
  if (skip) return;
  server = await startServer({ env: { CONSOLE_ENABLED: 'true' } });
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

// A page in its own context (fresh profile state), recording every request and WebSocket.
async function openConsole(t, userId) {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.host !== `127.0.0.1:${server.port}`) foreign.push(request.url());
  });
  page.on('websocket', (ws) => {
    const url = new URL(ws.url());
    if (url.host !== `127.0.0.1:${server.port}`) foreign.push(ws.url());
  });
  await page.goto(`${origin}/console`);
  await page.locator('#app option[value="app-1"]').waitFor({ state: 'attached', ...WAIT });
  await page.fill('#user-id', userId);
  await page.fill('#user-name', userId[0].toUpperCase() + userId.slice(1));
  await page.click('#connect');
  await page.locator('#state', { hasText: /^connected$/ }).waitFor(WAIT);
  assert.match(await page.textContent('#socket-id'), /^\d+\.\d+$/);
  return { page, errors };
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

test('the console connects, subscribes, triggers, shows presence live and stays on this server', { skip }, async (t) => {
  const alice = await openConsole(t, 'alice');
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

test('console API: secrets stay out, forwarded requests need the token', { skip }, async () => {
  const apps = await (await fetch(`${origin}/console/api/apps`)).text();
  assert.match(apps, /"key":"key-1"/);
  assert.doesNotMatch(apps, /secret-1/);
  const forwarded = await fetch(`${origin}/console/api/apps`, { headers: { 'X-Forwarded-For': '192.0.2.1' } });
  assert.equal(forwarded.status, 403);
});
