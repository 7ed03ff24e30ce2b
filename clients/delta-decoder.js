'use strict';
/*
 * Reference decoder for sockudo's delta compression extension, for apps using pusher-js 8.
 * Plain CommonJS without a build step; in a browser, load it as a module or copy it.
 *
 *   const decoder = new DeltaDecoder(pusher, {
 *     fossil: require('fossil-delta'),          // anything with applyDelta(base, delta)
 *     vcdiff: require('@ably/vcdiff-decoder'),  // anything with decode(delta, base)
 *   });
 *   decoder.bind('ticker', 'price', (data, meta) => { ... });
 *
 * pusher-js parses `data` and drops unknown top-level fields (`__delta_seq`,
 * `__conflation_key`), so the decoder reads the raw frames of the transport in use
 * (`pusher.connection.connection.transport`, which emits every incoming frame as
 * `message` with the raw text in `.data`) and re-attaches on every (re)connect.
 *
 * Wire format (see PROTOCOL.md, "sockudo extension: delta compression"):
 * - full:  {"event":E,"channel":C,"data":"...","__delta_seq":N,"__conflation_key":K?}
 * - delta: {"event":"pusher:delta","channel":C,"data":"{\"event\":E,\"seq\":N,\"base_seq\":M,
 *           \"algorithm\":\"fossil\",\"delta\":\"<base64>\",\"conflation_key\":K}"}
 * A stream is (channel, event, conflation key); the base of a delta is the data string of
 * message M of the same stream. When the base is missing or decoding fails, the message is
 * dropped and `pusher:delta_sync_error` asks the server to send the channel's next messages in
 * full.
 */

const DEFAULT_ALGORITHMS = ['fossil', 'xdelta3'];

function base64ToBytes(b64) {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function parseData(text) {
  try {
    return JSON.parse(text);
  } catch (_) {
    return text;
  }
}

function tryRequire(name) {
  try {
    return typeof require === 'function' ? require(name) : null;
  } catch (_) {
    return null;
  }
}

class DeltaDecoder {
  /**
   * pusher: a pusher-js 8 `Pusher` instance.
   * options.fossil: object with applyDelta(base: Uint8Array, delta: Uint8Array) (npm fossil-delta)
   * options.vcdiff: object with decode(delta: Uint8Array, base: Uint8Array) (npm @ably/vcdiff-decoder)
   *   Both default to require() of those packages when available.
   * options.algorithms: preference order sent to the server (default: those with a decoder).
   * options.onError(err): called for every decode problem (the decoder recovers by itself).
   */
  constructor(pusher, options = {}) {
    this.pusher = pusher;
    this.fossil = options.fossil || tryRequire('fossil-delta');
    this.vcdiff = options.vcdiff || tryRequire('@ably/vcdiff-decoder');
    this.algorithms =
      options.algorithms || DEFAULT_ALGORITHMS.filter((a) => (a === 'fossil' ? this.fossil : this.vcdiff));
    this.onError = options.onError || (() => {});
    this.algorithm = null; // as negotiated by pusher:delta_compression_enabled
    this.streams = new Map(); // "channel\0event\0key" -> {seq, data}
    this.callbacks = new Map(); // channel -> [{event, cb}]
    this.stats = { full: 0, delta: 0, plain: 0, syncErrors: 0 };
    this.transport = null;
    this.onFrame = (messageEvent) => this.handleFrame(messageEvent.data);
    // state_change runs before the `connected` event on which pusher-js resubscribes its
    // channels, so the server sees the opt-in before the subscriptions.
    this.onStateChange = ({ current }) => current === 'connected' && this.attach();
    pusher.connection.bind('state_change', this.onStateChange);
    if (pusher.connection.state === 'connected') this.attach();
  }

  /** cb(data, meta) for `event` on `channel` ('*' for every event); data is parsed like pusher-js does. */
  bind(channel, event, cb) {
    if (!this.callbacks.has(channel)) this.callbacks.set(channel, []);
    this.callbacks.get(channel).push({ event, cb });
    return this;
  }

  unbind(channel, event, cb) {
    const list = this.callbacks.get(channel) || [];
    this.callbacks.set(
      channel,
      list.filter((b) => !(b.event === event && (!cb || b.cb === cb))),
    );
    return this;
  }

  /** Stops watching the connection. */
  destroy() {
    this.pusher.connection.unbind('state_change', this.onStateChange);
    if (this.transport) this.transport.unbind('message', this.onFrame);
    this.transport = null;
  }

  // A new connection: new socket on the server, so every stream starts over.
  attach() {
    const conn = this.pusher.connection.connection;
    const transport = conn && conn.transport;
    if (this.transport) this.transport.unbind('message', this.onFrame);
    this.transport = transport || null;
    this.streams.clear();
    this.algorithm = null;
    if (!transport) return;
    transport.bind('message', this.onFrame);
    this.pusher.send_event('pusher:enable_delta_compression', { algorithms: this.algorithms });
  }

  handleFrame(raw) {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch (_) {
      return;
    }
    if (!msg || typeof msg.event !== 'string') return;
    if (msg.event === 'pusher:delta_compression_enabled') {
      const d = typeof msg.data === 'string' ? parseData(msg.data) : msg.data;
      this.algorithm = d && d.algorithm ? d.algorithm : null;
      return;
    }
    if (!msg.channel) return;
    if (msg.event === 'pusher:delta') {
      this.handleDelta(msg);
      return;
    }
    if (msg.event.startsWith('pusher:') || msg.event.startsWith('pusher_internal:')) return;
    const data = typeof msg.data === 'string' ? msg.data : JSON.stringify(msg.data);
    const meta = { event: msg.event, channel: msg.channel, delta: false, user_id: msg.user_id };
    if (msg.__delta_seq !== undefined) {
      const key = msg.__conflation_key || '';
      this.streams.set(this.streamKey(msg.channel, msg.event, key), { seq: msg.__delta_seq, data });
      this.stats.full++;
      Object.assign(meta, { seq: msg.__delta_seq, conflationKey: key });
    } else {
      this.stats.plain++;
    }
    this.emit(msg.channel, msg.event, data, meta);
  }

  handleDelta(msg) {
    let d;
    try {
      d = typeof msg.data === 'string' ? JSON.parse(msg.data) : msg.data;
    } catch (err) {
      return this.fail(msg.channel, err);
    }
    const key = d.conflation_key || '';
    const streamKey = this.streamKey(msg.channel, d.event, key);
    const base = this.streams.get(streamKey);
    if (!base || base.seq !== d.base_seq) {
      this.streams.delete(streamKey);
      return this.fail(
        msg.channel,
        new Error(`missing base ${d.base_seq} for ${msg.channel}/${d.event}/${key} (have ${base ? base.seq : 'none'})`),
      );
    }
    let data;
    try {
      data = this.apply(d.algorithm || this.algorithm, base.data, base64ToBytes(d.delta));
    } catch (err) {
      this.streams.delete(streamKey);
      return this.fail(msg.channel, err);
    }
    this.streams.set(streamKey, { seq: d.seq, data });
    this.stats.delta++;
    this.emit(msg.channel, d.event, data, {
      event: d.event,
      channel: msg.channel,
      delta: true,
      seq: d.seq,
      baseSeq: d.base_seq,
      conflationKey: key,
    });
  }

  apply(algorithm, baseText, delta) {
    const base = new TextEncoder().encode(baseText);
    let out;
    if (algorithm === 'fossil' && this.fossil) out = this.fossil.applyDelta(base, delta);
    else if (algorithm === 'xdelta3' && this.vcdiff) out = this.vcdiff.decode(delta, base);
    else throw new Error(`no decoder for delta algorithm ${algorithm}`);
    return new TextDecoder().decode(out instanceof Uint8Array ? out : new Uint8Array(out));
  }

  // Drop the message and ask for full messages on the channel.
  fail(channel, err) {
    this.stats.syncErrors++;
    this.onError(err);
    this.pusher.send_event('pusher:delta_sync_error', { channel });
  }

  streamKey(channel, event, key) {
    return `${channel}\u0000${event}\u0000${key}`;
  }

  emit(channel, event, data, meta) {
    for (const b of this.callbacks.get(channel) || []) {
      if (b.event === event || b.event === '*') b.cb(parseData(data), { ...meta, raw: data });
    }
  }
}

if (typeof module !== 'undefined' && module.exports) module.exports = { DeltaDecoder };
else if (typeof window !== 'undefined') window.DeltaDecoder = DeltaDecoder;
