'use strict';
// `sockudo apps` and `sockudo migrate` against every real store, seen by the real pusher-js and
// pusher SDKs: an app created with the CLI serves at once; disable and delete take effect on a
// running server.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startServer, REPO } = require('../lib/server');
const { connectClient, serverSdk, disconnectAll } = require('../lib/clients');

const BIN = process.env.SOCKUDO_BIN ? path.resolve(REPO, process.env.SOCKUDO_BIN) : path.join(REPO, 'target/debug/sockudo');

function stores() {
  const list = [{ name: 'sqlite' }];
  for (const [name, variable] of [['postgres', 'SOCKUDO_TEST_POSTGRES_URL'], ['mysql', 'SOCKUDO_TEST_MYSQL_URL']]) {
    if (process.env[variable]) list.push({ name, url: process.env[variable] });
    else if (process.env.CI) throw new Error(`${variable} is not set: run scripts/test.sh`);
  }
  return list;
}

function cli(configPath, args) {
  return execFileSync(BIN, ['--config', configPath, ...args], { encoding: 'utf8' });
}

for (const store of stores()) {
  test(`apps created with the CLI serve pusher-js at once (${store.name})`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockudo-apps-'));
    const config = { app_manager: { driver: store.name, cache: { ttl: 1 } } };
    config.database = store.url ? { url: store.url } : { sqlite: { path: path.join(dir, 'apps.db') } };
    const configPath = path.join(dir, 'config.json');
    fs.writeFileSync(configPath, JSON.stringify(config));
    cli(configPath, ['migrate']);
    assert.match(cli(configPath, ['migrate']), /up to date/);

    const server = await startServer({ config });
    t.after(() => server.stop());
    const id = `e2e${Date.now()}${Math.floor(Math.random() * 1000)}`;
    const app = JSON.parse(cli(configPath, ['apps', 'create', '--id', id, '--client-messages', 'true', '--json']));
    assert.equal(app.id, id);
    const sdk = serverSdk(server.port, { appId: app.id, key: app.key, secret: app.secret });

    const client = await connectClient(server.port, { key: app.key, sdk, label: 'new app' });
    t.after(() => disconnectAll([client]));
    const channel = await client.subscribe('news');
    const got = new Promise((resolve) => channel.bind('hello', resolve));
    await sdk.trigger('news', 'hello', { from: 'the CLI app' });
    assert.deepEqual(await got, { from: 'the CLI app' });

    cli(configPath, ['apps', 'disable', id]);
    await client.states.waitFor((s) => s !== 'connected', 'disconnected after disable', 10000);
    const refused = await connectClient(server.port, { key: app.key, sdk, label: 'refused', connect: false });
    t.after(() => disconnectAll([refused]));
    // pusher-js reports the server's pusher:error as {type: 'WebSocketError', error: {type: 'PusherError', data}}.
    const code = (e) => e && ((e.data && e.data.code) || (e.error && e.error.data && e.error.data.code));
    const error = await refused.errors.waitFor((e) => code(e) === 4003, 'error 4003', 10000);
    assert.equal(code(error), 4003);

    cli(configPath, ['apps', 'delete', id, '--yes']);
    assert.deepEqual(JSON.parse(cli(configPath, ['apps', 'list', '--json'])).filter((a) => a.id === id), []);
  });
}
