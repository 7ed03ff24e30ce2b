'use strict';
// Private Redis / NATS servers started by a test (for broker-restart tests that must not disturb
// the shared services of scripts/test.sh). Each broker runs on a free loopback port below the
// kernel's ephemeral range (so no outgoing connection can hold the port while the broker is down
// between a stop and a restart), with its own temp dir. Brokers still running when the test
// process exits are killed.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const START_TIMEOUT_MS = 10000;

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch (_) {
      /* already gone */
    }
  }
});

// Absolute path of an executable, or null.
function which(name, extra = []) {
  for (const dir of [...(process.env.PATH || '').split(':'), ...extra]) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch (_) {
      /* next */
    }
  }
  return null;
}

const redisServerBin = () => which('redis-server', ['/usr/bin', '/usr/sbin']);
const natsServerBin = () => which('nats-server', ['/usr/bin', '/usr/sbin']);

function canListen(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

// A free port in 20000-31999 (below the ephemeral range 32768+).
async function freeLowPort() {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(p)) return p;
  }
  throw new Error('no free port found in 20000-31999');
}

// Connects to port; resolves with the first chunk the server sends after `send` (or null).
function probe(port, send, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('connect', () => send && sock.write(send));
    sock.on('data', (d) => finish(d.toString()));
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

/**
 * A broker process that can be stopped and started again on the same port.
 * kind: 'redis' | 'nats'. Returns {port, url, start(), stop(signal), running()}.
 */
function makeBroker(kind, port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sockudo-e2e-${kind}-`));
  let child = null;
  let exitPromise = null;
  let out = '';
  const url = kind === 'redis' ? `redis://127.0.0.1:${port}` : `nats://127.0.0.1:${port}`;

  async function start() {
    if (child) throw new Error(`${kind} on ${port} already running`);
    const bin = kind === 'redis' ? redisServerBin() : natsServerBin();
    if (!bin) throw new Error(`${kind}-server binary not found`);
    const args =
      kind === 'redis'
        ? ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir]
        : ['-a', '127.0.0.1', '-p', String(port)];
    const c = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    live.add(c);
    out = '';
    const keep = (chunk) => {
      out += chunk.toString();
      if (out.length > 32 * 1024) out = out.slice(-32 * 1024);
    };
    c.stdout.on('data', keep);
    c.stderr.on('data', keep);
    let exited = null;
    exitPromise = new Promise((resolve) => {
      c.once('exit', (code, signal) => {
        exited = { code, signal };
        live.delete(c);
        resolve(exited);
      });
      c.once('error', (err) => {
        exited = { error: err };
        live.delete(c);
        resolve(exited);
      });
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) {
        child = null;
        throw new Error(`${kind}-server on ${port} exited during startup (${JSON.stringify(exited)}):\n${out}`);
      }
      const reply = kind === 'redis' ? await probe(port, 'PING\r\n') : await probe(port, null);
      if (reply && (kind === 'redis' ? reply.startsWith('+PONG') : reply.startsWith('INFO'))) return;
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        await exitPromise;
        child = null;
        throw new Error(`${kind}-server on ${port} not ready within ${START_TIMEOUT_MS} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stop(signal = 'SIGTERM') {
    if (!child) return null;
    const c = child;
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 10000);
    const res = await exitPromise;
    clearTimeout(timer);
    child = null;
    return res;
  }

  async function destroy() {
    await stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }

  return { kind, port, url, start, stop, destroy, running: () => child !== null, output: () => out };
}

async function startBroker(kind) {
  const port = await freeLowPort();
  const b = makeBroker(kind, port);
  await b.start();
  return b;
}

module.exports = { startBroker, redisServerBin, natsServerBin, freeLowPort };
