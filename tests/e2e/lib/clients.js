'use strict';
// Client helpers: the real `pusher` server SDK and `pusher-js` client, with an
// event recorder whose every wait is bounded.

const PusherServer = require('pusher');
const PusherClient = require('pusher-js');
const { APP } = require('./server');

PusherClient.logToConsole = false;

const WAIT_MS = 5000;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// A recorder: append-only list of items plus waiters on predicates.
class Recorder {
  constructor(label) {
    this.label = label;
    this.items = [];
    this.waiters = [];
  }

  push(item) {
    this.items.push(item);
    for (const w of [...this.waiters]) {
      const found = this.items.slice(w.from).find(w.pred);
      if (found !== undefined) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(found);
      }
    }
  }

  all(pred = () => true) {
    return this.items.filter(pred);
  }

  count(pred = () => true) {
    return this.items.filter(pred).length;
  }

  // Resolves with the first recorded item (at index >= from) matching pred;
  // rejects after timeoutMs with a message listing what was seen.
  waitFor(pred, what, timeoutMs = WAIT_MS, from = 0) {
    const found = this.items.slice(from).find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred, from, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(
          new Error(
            `${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; seen:\n` +
              this.items.map((i) => '  ' + JSON.stringify(i)).join('\n'),
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  // Waits until at least n items match pred; resolves with them.
  async waitForCount(pred, n, what, timeoutMs = WAIT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.all(pred);
      if (got.length >= n) return got;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.label}: timed out after ${timeoutMs} ms waiting for ${n} x ${what} (got ${got.length}); seen:\n` +
            this.items.map((i) => '  ' + JSON.stringify(i)).join('\n'),
        );
      }
      await sleep(20);
    }
  }
}

function serverSdk(port, overrides = {}) {
  return new PusherServer({
    appId: APP.id,
    key: APP.key,
    secret: APP.secret,
    host: '127.0.0.1',
    port: String(port),
    useTLS: false,
    timeout: 5000,
    ...overrides,
  });
}

/**
 * Connect a pusher-js client and wait for `connected`.
 * opts:
 *   sdk: server SDK used to sign channel auth and sign-in (default serverSdk(port))
 *   key: app key (default APP.key)
 *   presence: {user_id, user_info} used as channel_data for presence- channels
 *   user: user data object for sign-in ({id, user_info?, watchlist?})
 *   label: name used in failure messages
 */
async function connectClient(port, opts = {}) {
  const sdk = opts.sdk || serverSdk(port);
  const label = opts.label || 'client';
  const events = new Recorder(`${label} events`);
  const states = new Recorder(`${label} states`);
  const errors = new Recorder(`${label} errors`);

  const channelAuthorization = {
    customHandler: ({ socketId, channelName }, callback) => {
      try {
        const presenceData = channelName.startsWith('presence-') ? opts.presence : undefined;
        callback(null, sdk.authorizeChannel(socketId, channelName, presenceData));
      } catch (err) {
        callback(err, null);
      }
    },
  };
  const userAuthentication = {
    customHandler: ({ socketId }, callback) => {
      try {
        callback(null, sdk.authenticateUser(socketId, opts.user));
      } catch (err) {
        callback(err, null);
      }
    },
  };

  const pusher = new PusherClient(opts.key || APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization,
    userAuthentication,
  });

  pusher.connection.bind('message', (ev) => events.push(ev));
  pusher.connection.bind('state_change', ({ current }) => states.push(current));
  pusher.connection.bind('error', (err) => errors.push(err));

  const client = {
    pusher,
    sdk,
    events,
    states,
    errors,
    label,
    get socketId() {
      return pusher.connection.socket_id;
    },
    // Subscribe and wait for pusher:subscription_succeeded on the channel.
    async subscribe(name, timeoutMs = WAIT_MS) {
      const channel = pusher.subscribe(name);
      await waitChannelEvent(channel, 'pusher:subscription_succeeded', timeoutMs, `${label} subscribe ${name}`);
      return channel;
    },
    // Records every event bound on a channel (including pusher: ones).
    record(channel) {
      const rec = new Recorder(`${label} ${channel.name}`);
      channel.bind_global((event, data, metadata) => rec.push({ event, data, metadata }));
      return rec;
    },
    disconnect() {
      pusher.disconnect();
    },
  };

  if (opts.connect === false) return client;
  await states.waitFor((s) => s === 'connected', `${label} connected`, WAIT_MS);
  return client;
}

function waitChannelEvent(channel, eventName, timeoutMs = WAIT_MS, what = eventName) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.unbind(eventName, handler);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${eventName} on ${channel.name})`));
    }, timeoutMs);
    function handler(data, metadata) {
      clearTimeout(timer);
      channel.unbind(eventName, handler);
      resolve({ data, metadata });
    }
    channel.bind(eventName, handler);
  });
}

// Resolves when `promise` does not settle within ms (a negative check helper).
async function expectNoSettle(promise, ms, what) {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  if (settled) throw new Error(`unexpected: ${what}`);
}

// Closes every given client; ignores ones already closed.
function disconnectAll(clients) {
  for (const c of clients) {
    try {
      c && c.disconnect();
    } catch (_) {
      /* ignore */
    }
  }
}

module.exports = {
  PusherServer,
  PusherClient,
  Recorder,
  serverSdk,
  connectClient,
  waitChannelEvent,
  expectNoSettle,
  disconnectAll,
  sleep,
  WAIT_MS,
};
