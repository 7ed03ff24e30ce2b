'use strict';
// Per-file harness: one server per test file, clients closed after each test.

const { before, after } = require('node:test');
const { startServer } = require('./server');
const { connectClient, serverSdk, disconnectAll } = require('./clients');
const { connectRaw } = require('./rawws');

/**
 * useServer(opts) registers before/after hooks and returns a handle whose
 * fields are filled once the server is up: h.port, h.sdk, h.server, and
 * h.client(t, opts) / h.raw(t, opts) which connect and auto-close after test t.
 */
function useServer(opts = {}) {
  const h = {};
  before(async () => {
    h.server = await startServer(opts);
    h.port = h.server.port;
    h.metricsPort = h.server.metricsPort;
    h.sdk = serverSdk(h.port, opts.sdk || {});
  });
  after(async () => {
    if (h.server) {
      const res = await h.server.stop();
      if (process.env.SOCKUDO_E2E_VERBOSE === '1') console.error('server exit', res);
    }
  });
  h.client = async (t, copts = {}) => {
    const c = await connectClient(h.port, { sdk: h.sdk, ...copts });
    t.after(() => disconnectAll([c]));
    return c;
  };
  h.raw = async (t, ropts = {}) => {
    const ws = await connectRaw(h.port, ropts);
    t.after(() => ws.destroy());
    return ws;
  };
  return h;
}

module.exports = { useServer };
