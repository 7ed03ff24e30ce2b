'use strict';
// A minimal RFC 6455 client (text frames, ping/pong, close) so tests can see the
// exact frames and close codes the server sends, which pusher-js hides.

const crypto = require('node:crypto');
const http = require('node:http');
const { Recorder } = require('./clients');
const { APP } = require('./server');

function encodeFrame(opcode, payload) {
  const len = payload.length;
  let header;
  if (len < 126) {
    header = Buffer.alloc(2);
    header[1] = 0x80 | len;
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[1] = 0x80 | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  header[0] = 0x80 | opcode;
  const mask = crypto.randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([header, mask, masked]);
}

/**
 * Open a raw WebSocket to /app/{key}. Resolves after the HTTP upgrade (not
 * after pusher:connection_established: use ws.frames.waitFor for that).
 * ws.frames records {raw, msg} for each text frame (msg = JSON.parse(raw) or null).
 * ws.closed resolves with {code, reason} on a close frame or socket end.
 */
function openRaw(port, { key = APP.key, query = 'protocol=7&client=js&version=8.6.0&flash=false', path, label = 'raw' } = {}) {
  const urlPath = path || `/app/${key}${query ? '?' + query : ''}`;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: urlPath,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
      },
      timeout: 5000,
    });
    req.on('timeout', () => req.destroy(new Error('websocket upgrade timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode} ${body}`), { status: res.statusCode, body })));
    });
    req.on('upgrade', (res, socket, head) => {
      const frames = new Recorder(`${label} frames`);
      let buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
      let fragments = [];
      let closeInfo = null;
      let resolveClosed;
      const closed = new Promise((r) => (resolveClosed = r));
      const finish = (info) => {
        if (!closeInfo) {
          closeInfo = info;
          resolveClosed(info);
        }
      };

      const send = (opcode, payload) => {
        if (!socket.destroyed) socket.write(encodeFrame(opcode, payload));
      };

      const parse = () => {
        for (;;) {
          if (buf.length < 2) return;
          const fin = (buf[0] & 0x80) !== 0;
          const opcode = buf[0] & 0x0f;
          let len = buf[1] & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          const masked = (buf[1] & 0x80) !== 0;
          if (masked) off += 4;
          if (buf.length < off + len) return;
          let payload = buf.subarray(off, off + len);
          if (masked) {
            const mask = buf.subarray(off - 4, off);
            payload = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]));
          }
          buf = buf.subarray(off + len);
          if (opcode === 0x8) {
            const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
            const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
            finish({ code, reason });
            send(0x8, payload.subarray(0, 2));
            socket.end();
          } else if (opcode === 0x9) {
            send(0xa, payload);
          } else if (opcode === 0xa) {
            frames.push({ pong: true });
          } else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
            fragments.push({ opcode, payload });
            if (fin) {
              const first = fragments[0].opcode;
              const data = Buffer.concat(fragments.map((f) => f.payload));
              fragments = [];
              if (first === 0x2) {
                frames.push({ binary: data });
              } else {
                const raw = data.toString('utf8');
                let msg = null;
                try {
                  msg = JSON.parse(raw);
                } catch (_) {
                  /* keep msg null */
                }
                frames.push({ raw, msg });
              }
            }
          }
        }
      };

      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        parse();
      });
      socket.on('close', () => finish({ code: 1006, reason: 'socket closed without close frame' }));
      socket.on('error', () => {});
      // Frames that arrived together with the 101 response.
      parse();

      const ws = {
        frames,
        closed,
        socket,
        get closeInfo() {
          return closeInfo;
        },
        sendText(text) {
          send(0x1, Buffer.from(text, 'utf8'));
        },
        send(obj) {
          send(0x1, Buffer.from(JSON.stringify(obj), 'utf8'));
        },
        ping(payload = '') {
          send(0x9, Buffer.from(payload));
        },
        // Waits for the first frame with msg.event === event (and matching extra predicate).
        waitEvent(event, pred = () => true, timeoutMs, from = 0) {
          return frames.waitFor((f) => f.msg && f.msg.event === event && pred(f.msg), `event ${event}`, timeoutMs, from);
        },
        events(event) {
          return frames.all((f) => f.msg && f.msg.event === event).map((f) => f.msg);
        },
        close(code = 1000) {
          const p = Buffer.alloc(2);
          p.writeUInt16BE(code, 0);
          send(0x8, p);
          setTimeout(() => socket.destroy(), 200).unref();
        },
        destroy() {
          socket.destroy();
        },
      };
      resolve(ws);
    });
    req.end();
  });
}

// Opens a raw socket and waits for pusher:connection_established; returns ws with socketId.
async function connectRaw(port, opts = {}) {
  const ws = await openRaw(port, opts);
  const f = await ws.waitEvent('pusher:connection_established');
  ws.established = f;
  ws.socketId = JSON.parse(f.msg.data).socket_id;
  return ws;
}

// Races ws.closed against a timeout.
function waitClosed(ws, timeoutMs = 5000) {
  return Promise.race([
    ws.closed,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs).unref(),
    ),
  ]);
}

module.exports = { openRaw, connectRaw, waitClosed };
