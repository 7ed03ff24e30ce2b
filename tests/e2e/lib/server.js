'use strict';
// Starts the sockudo binary as a child process for one test file.
//
// Binary: $SOCKUDO_BIN (default <repo>/target/debug/sockudo). Every server gets
// its own temp dir, config file and free ports picked at run time: tests never
// use a fixed port. Set SOCKUDO_E2E_VERBOSE=1 to see the server's output live.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..', '..');
const DEFAULT_BIN = path.join(REPO, 'target', 'debug', 'sockudo');
const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 10000;

const APP = Object.freeze({
  id: 'app-1',
  key: 'key-1',
  secret: 'secret-1',
});

function defaultApp(overrides = {}) {
  return {
    id: APP.id,
    key: APP.key,
    secret: APP.secret,
    enabled: true,
    enable_client_messages: true,
    enable_user_authentication: true,
    enable_subscription_count: true,
    enable_watchlist_events: true,
    max_client_events_per_second: 10,
    max_presence_members_per_channel: 100,
    ...overrides,
  };
}

function defaultConfig({ apps, activityTimeout = 30, extra = {} } = {}) {
  return {
    debug: false,
    activity_timeout: activityTimeout,
    app_manager: {
      driver: 'memory',
      array: { apps: apps || [defaultApp()] },
    },
    ...extra,
  };
}

// Deep merge of plain objects: values of `extra` win; arrays and scalars replace.
function deepMerge(base, extra) {
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(base) || !isObj(extra)) return extra === undefined ? base : extra;
  const out = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = isObj(out[k]) && isObj(v) ? deepMerge(out[k], v) : v;
  return out;
}

// Ask the kernel for free ports: listen on port 0, read the port, close.
// All sockets are held open until every port is known so they are distinct.
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

function httpGetStatus(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
    req.on('error', () => resolve(null));
  });
}

// Servers still running when this process ends are killed, including when the
// test runner stops a test file with a signal (e.g. on its timeout).
const live = new Set();
const tempDirs = new Set();
function killLive() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch (_) {
      /* already gone */
    }
  }
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killLive);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    killLive();
    process.exit(128 + (sig === 'SIGHUP' ? 1 : sig === 'SIGINT' ? 2 : 15));
  });
}

/**
 * Start a server. Options:
 *   config: full config object (default: defaultConfig())
 *   apps: app list for defaultConfig (ignored when config is given)
 *   merge: object deep-merged into the config (e.g. {adapter: {...}, cluster_health: {...}})
 *   env: extra environment variables
 *   label: name used in error messages (e.g. "node B")
 * Returns {port, metricsPort, config, pid, output(), exited(), kill(signal), stop()}.
 */
async function startServer(opts = {}) {
  const bin = process.env.SOCKUDO_BIN
    ? path.resolve(REPO, process.env.SOCKUDO_BIN)
    : DEFAULT_BIN;
  if (!fs.existsSync(bin)) {
    throw new Error(`sockudo binary not found at ${bin} (set SOCKUDO_BIN or run cargo build)`);
  }
  const [port, metricsPort] = await freePorts(2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockudo-e2e-'));
  tempDirs.add(dir);
  const config =
    opts.config ||
    deepMerge(
      defaultConfig({ apps: opts.apps, activityTimeout: opts.activityTimeout, extra: opts.extra }),
      opts.merge || {},
    );
  const label = opts.label ? `${opts.label}: ` : '';
  const configPath = path.join(dir, 'config.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));

  const verbose = process.env.SOCKUDO_E2E_VERBOSE === '1';
  const child = spawn(bin, ['serve', '--config', configPath], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: '127.0.0.1',
      ...(opts.env || {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);

  // Keep the tail of the output for error messages.
  let out = '';
  const keep = (chunk) => {
    out += chunk.toString();
    if (out.length > 64 * 1024) out = out.slice(-64 * 1024);
    if (verbose) process.stderr.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { code: null, signal: null, error: err };
      live.delete(child);
      resolve(exited);
    });
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  const upUrl = `http://127.0.0.1:${port}/up`;
  for (;;) {
    if (exited) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `${label}sockudo exited before answering /up (code ${exited.code}, signal ${exited.signal}` +
          `${exited.error ? ', ' + exited.error.message : ''}); output:\n${out}`,
      );
    }
    const status = await httpGetStatus(upUrl);
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exitPromise;
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `${label}sockudo did not answer 200 on ${upUrl} within ${START_TIMEOUT_MS} ms ` +
          `(last status ${status}); output:\n${out}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  let stopped = null;
  async function stop() {
    if (stopped) return stopped;
    stopped = (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exitPromise;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
      return exited;
    })();
    return stopped;
  }

  // Sends a signal (e.g. SIGKILL to simulate a crashed node); resolves when the process is gone.
  async function kill(signal = 'SIGKILL') {
    if (!exited) child.kill(signal);
    return exitPromise;
  }

  return {
    port,
    metricsPort,
    config,
    pid: child.pid,
    kill,
    app: APP,
    output: () => out,
    exited: () => exited,
    stop,
  };
}

module.exports = { startServer, freePorts, deepMerge, defaultApp, defaultConfig, APP, REPO };
