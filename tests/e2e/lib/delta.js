'use strict';
// Delta compression helpers for raw-socket tests: load the npm decoders, reconstruct the
// channel events a delta-enabled socket received, and build payloads worth compressing.

let decoders = null;

// fossil-delta 2 is an ES module; @ably/vcdiff-decoder is CommonJS.
async function loadDecoders() {
  if (!decoders) {
    const fossil = await import('fossil-delta');
    const vcdiff = require('@ably/vcdiff-decoder');
    decoders = { fossil, vcdiff };
  }
  return decoders;
}

// Applies a base64 delta to a base data string with the npm decoders; returns the target string.
function applyDelta(libs, algorithm, base, deltaB64) {
  const baseBytes = new Uint8Array(Buffer.from(base, 'utf8'));
  const delta = new Uint8Array(Buffer.from(deltaB64, 'base64'));
  let out;
  if (algorithm === 'fossil') out = libs.fossil.applyDelta(baseBytes, delta);
  else if (algorithm === 'xdelta3') out = libs.vcdiff.decode(delta, baseBytes);
  else throw new Error(`unknown delta algorithm ${JSON.stringify(algorithm)}`);
  return Buffer.from(out).toString('utf8');
}

// Frames of `channel` that carry channel events (full, plain or pusher:delta), not protocol ones.
function isChannelEvent(f, channel) {
  const m = f.msg;
  if (!m || m.channel !== channel || typeof m.event !== 'string') return false;
  if (m.event === 'pusher:delta') return true;
  return !m.event.startsWith('pusher:') && !m.event.startsWith('pusher_internal:');
}

function waitChannelEvents(ws, channel, n, what = `${n} events on ${channel}`, timeoutMs = 10000) {
  return ws.frames.waitForCount((f) => isChannelEvent(f, channel), n, what, timeoutMs);
}

/**
 * Reconstructs, in arrival order, every channel event the raw socket `ws` received on `channel`.
 * Returns [{event, kind: 'full'|'delta'|'plain', seq, baseSeq, prevSeq, key, algorithm, data, msg}]
 * where prevSeq is the seq of the previous message of the same stream (for base checks).
 * Throws with the offending frame when a base is missing or a delta does not decode.
 * opts.algorithm: used when a delta frame carries no algorithm (omit_delta_algorithm).
 */
function reconstruct(ws, channel, libs, opts = {}) {
  const streams = new Map(); // stream -> {last, bySeq: Map(seq -> data)}
  const out = [];
  const stream = (event, key) => {
    const id = `${event}\u0000${key}`;
    if (!streams.has(id)) streams.set(id, { last: null, bySeq: new Map() });
    return streams.get(id);
  };
  for (const f of ws.frames.items) {
    if (!isChannelEvent(f, channel)) continue;
    const m = f.msg;
    if (m.event === 'pusher:delta') {
      const d = JSON.parse(m.data);
      const key = d.conflation_key || '';
      const s = stream(d.event, key);
      const base = s.bySeq.get(d.base_seq);
      if (base === undefined) {
        throw new Error(
          `delta for ${channel}/${d.event}/${key} seq ${d.base_seq}->${d.seq}: base not received ` +
            `(have seqs ${[...s.bySeq.keys()].join(',')}); frame ${f.raw}`,
        );
      }
      const algorithm = d.algorithm || opts.algorithm;
      let data;
      try {
        data = applyDelta(libs, algorithm, base, d.delta);
      } catch (err) {
        throw new Error(`delta ${d.base_seq}->${d.seq} on ${channel} does not decode (${algorithm}): ${err.message}; frame ${f.raw}`);
      }
      out.push({ event: d.event, kind: 'delta', seq: d.seq, baseSeq: d.base_seq, prevSeq: s.last, key, algorithm, data, msg: m, raw: f.raw });
      s.bySeq.set(d.seq, data);
      s.last = d.seq;
    } else if (m.__delta_seq !== undefined) {
      const key = m.__conflation_key || '';
      const s = stream(m.event, key);
      out.push({ event: m.event, kind: 'full', seq: m.__delta_seq, prevSeq: s.last, key, data: m.data, msg: m, raw: f.raw });
      s.bySeq.set(m.__delta_seq, m.data);
      s.last = m.__delta_seq;
    } else {
      out.push({ event: m.event, kind: 'plain', key: '', data: m.data, msg: m, raw: f.raw });
    }
  }
  return out;
}

// Enables delta compression on a raw socket; resolves with the parsed answer data.
async function enableDelta(ws, algorithms = ['fossil', 'xdelta3']) {
  const from = ws.frames.items.length;
  ws.send({ event: 'pusher:enable_delta_compression', data: { algorithms } });
  const f = await ws.waitEvent('pusher:delta_compression_enabled', () => true, 5000, from);
  return JSON.parse(f.msg.data);
}

// Subscribes a raw socket (extra goes into the subscribe data) and waits for success.
async function subscribeRaw(ws, channel, extra = {}) {
  const from = ws.frames.items.length;
  ws.send({ event: 'pusher:subscribe', data: { channel, ...extra } });
  await ws.waitEvent('pusher_internal:subscription_succeeded', (m) => m.channel === channel, 5000, from);
}

// Makes the server process everything sent so far on this socket (frames are handled in order).
async function roundTrip(ws) {
  const from = ws.frames.items.length;
  ws.send({ event: 'pusher:ping', data: {} });
  await ws.waitEvent('pusher:pong', () => true, 5000, from);
}

// A market quote of ~650 bytes where consecutive messages differ in a few characters.
function quote(symbol, i, nested = false) {
  const body = {
    symbol,
    price: (1000 + i * 0.25).toFixed(2),
    volume: 5000 + i,
    ts: 1700000000000 + i * 1000,
    venue: 'sockudo-exchange',
    note: 'consecutive quotes share most of their bytes, so deltas are far smaller than the data',
    book: { bid: (999 + i * 0.25).toFixed(2), ask: (1001 + i * 0.25).toFixed(2), depth: [10, 20, 30, 40, 50] },
    meta: {
      currency: 'USD',
      session: 'continuous',
      disclaimer: 'Quotes are delayed and provided for information only; they are not an offer to buy or sell.',
      fields: ['symbol', 'price', 'volume', 'ts', 'venue', 'note', 'book', 'meta'],
      source: 'https://example.invalid/market-data/v1/quotes?format=json&fields=all',
      flags: { halted: false, auction: false, shortSaleRestricted: false, lastTick: i % 2 ? 'up' : 'down' },
    },
  };
  return JSON.stringify(nested ? { quote: body, seq: i } : body);
}

module.exports = { loadDecoders, applyDelta, isChannelEvent, waitChannelEvents, reconstruct, enableDelta, subscribeRaw, roundTrip, quote };
