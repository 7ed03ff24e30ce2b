// The Sockudo web console: plain JS, no build step. Talks to this server only: the page's own
// origin for its JSON API and pusher-js's WebSocket.
'use strict';

(function () {
  const BASE = document.querySelector('meta[name="sockudo-console-base"]').content;
  const TOKEN = new URLSearchParams(location.search).get('token');
  // Every API call carries the per-process CSRF token the server wrote into the page.
  const CSRF = document.querySelector('meta[name="sockudo-console-csrf"]').content;
  const AUTH_HEADERS = TOKEN ? { 'X-Console-Token': TOKEN, 'X-Console-Csrf': CSRF } : { 'X-Console-Csrf': CSRF };
  const LOG_LIMIT = 2000;
  const CHANNELS_EVERY_MS = 3000;

  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k in node) node[k] = v;
      else node.setAttribute(k, v);
    }
    for (const child of [].concat(children)) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  let apps = [];
  let pusher = null;
  let batch = [];
  const log = [];
  // Delta compression (opt-in): a DeltaDecoder (clients/delta-decoder.js) fed with the raw frames.
  let decoder = null;
  // private-encrypted- channel name -> its shared secret (Uint8Array), from this page's own
  // authorization requests; the master key stays on the server.
  const sharedSecrets = new Map();

  const utf8 = new TextEncoder();
  const byteLength = (text) => utf8.encode(text).length;
  const isEncrypted = (name) => typeof name === 'string' && name.startsWith('private-encrypted-');
  function fromBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  function toBase64(bytes) {
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }
  // A data string as pusher-js hands it over: parsed when it is JSON.
  function parseData(text) {
    if (typeof text !== 'string') return text;
    try {
      return JSON.parse(text);
    } catch (_) {
      return text;
    }
  }

  // ------------------------------------------------------------------ every frame in and out
  // pusher-js opens its socket with `new window.WebSocket(url)`: a subclass sees every frame.
  const NativeWebSocket = window.WebSocket;
  class LoggedWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', (e) => logFrame('in', e.data));
      this.addEventListener('close', (e) => addLog({ dir: 'info', event: 'socket closed', data: { code: e.code, reason: e.reason } }));
    }
    send(data) {
      logFrame('out', data);
      super.send(data);
    }
  }
  window.WebSocket = LoggedWebSocket;

  function logFrame(dir, text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (_) {
      addLog({ dir, event: '(not JSON)', data: String(text) });
      return;
    }
    const entry = { dir, channel: frame.channel, event: frame.event, data: parseData(frame.data), bytes: byteLength(String(text)) };
    // Logged before the decoder runs: a delta_sync_error it sends comes after the frame.
    addLog(entry, false);
    if (dir === 'in') {
      if (decoder) decodeDelta(entry, frame, text);
      if (isEncrypted(frame.channel)) decrypt(entry, frame);
      deltaStatus(frame);
    }
    if (!$('pause').checked) renderLog();
  }

  // Runs the frame through the delta decoder; a pusher:delta entry gets the reconstructed
  // event and data, and what the delta saved against the plain frame.
  function decodeDelta(entry, frame, text) {
    decoder.decoded = null;
    decoder.failure = null;
    decoder.handleFrame(text);
    if (frame.event === 'pusher:delta') {
      const wire = entry.data || {};
      if (decoder.decoded) {
        const { event, data } = decoder.decoded;
        const full = byteLength(JSON.stringify({ event, channel: frame.channel, data }));
        entry.event = event;
        entry.data = parseData(data);
        entry.delta = {
          algorithm: wire.algorithm || decoder.algorithm,
          seq: wire.seq,
          base_seq: wire.base_seq,
          conflation_key: wire.conflation_key || '',
          delta_frame_bytes: entry.bytes,
          full_frame_bytes: full,
          saved_bytes: full - entry.bytes,
        };
      } else {
        entry.error = true;
        entry.note = `pusher:delta not decoded (${decoder.failure ? decoder.failure.message : 'no decoder'}): ` +
          'sent pusher:delta_sync_error, the next message comes in full';
      }
    } else if (frame.__delta_seq !== undefined) {
      entry.delta_seq = frame.__delta_seq;
      entry.note = `full message, delta stream seq ${frame.__delta_seq}` +
        (frame.__conflation_key ? `, conflation key ${frame.__conflation_key}` : '');
    }
  }

  // An event on a private-encrypted- channel arrives as {nonce, ciphertext}: opened here with the
  // channel's shared secret, as pusher-js does.
  function decrypt(entry, frame) {
    const box = entry.data;
    if (!frame.event || frame.event.startsWith('pusher') || !box || typeof box.ciphertext !== 'string') return;
    const key = sharedSecrets.get(frame.channel);
    if (!key) {
      entry.note = 'encrypted; this page has no key for the channel';
      return;
    }
    let opened = null;
    try {
      opened = nacl.secretbox.open(fromBase64(box.ciphertext), fromBase64(box.nonce), key);
    } catch (_) {
      opened = null;
    }
    if (!opened) {
      entry.error = true;
      entry.note = 'encrypted, and it does not open with the channel\'s shared secret';
      return;
    }
    entry.encrypted = box;
    entry.data = parseData(new TextDecoder().decode(opened));
    entry.note = `decrypted in this page (sent as ${entry.bytes} B of nonce + ciphertext)`;
  }

  function deltaStatus(frame) {
    if (frame.event === 'pusher:delta_compression_enabled') {
      const d = parseData(frame.data) || {};
      $('delta-state').textContent = d.enabled === false ? 'off' : d.algorithm || 'on';
    } else if (frame.event === 'pusher:error' && decoder && !decoder.algorithm) {
      const message = (frame.data && frame.data.message) || '';
      if (/delta/i.test(message)) {
        $('delta-state').textContent = 'refused';
        showError(`Delta compression: ${message}`);
      }
    }
  }

  function addLog(entry, render = true) {
    entry.time = new Date().toISOString();
    log.push(entry);
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
    if (render && !$('pause').checked) renderLog();
  }

  function matches(entry) {
    const ch = $('filter-channel').value.trim().toLowerCase();
    const ev = $('filter-event').value.trim().toLowerCase();
    const event = `${entry.event || ''}${entry.delta ? ' pusher:delta' : ''}`.toLowerCase();
    return (!ch || (entry.channel || '').toLowerCase().includes(ch)) && (!ev || event.includes(ev));
  }

  const kib = (n) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

  function dataCell(e) {
    const text = e.data === undefined ? '' : typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    const cell = el('td', { className: 'data' }, text);
    if (e.delta) {
      const d = e.delta;
      const share = d.full_frame_bytes ? Math.round((100 * d.saved_bytes) / d.full_frame_bytes) : 0;
      cell.append(el('div', { className: 'note delta-info' },
        `pusher:delta ${d.algorithm || ''} seq ${d.seq} (base ${d.base_seq}` +
        `${d.conflation_key ? `, key ${d.conflation_key}` : ''}): ${kib(d.delta_frame_bytes)} frame ` +
        `instead of ${kib(d.full_frame_bytes)}, ${kib(d.saved_bytes)} saved (${share}%)`));
    } else if (e.note) {
      cell.append(el('div', { className: 'note' }, e.note));
    }
    return cell;
  }

  function renderLog() {
    const body = $('log').querySelector('tbody');
    const shown = log.filter(matches);
    const rows = shown.slice(-500).reverse().map((e) =>
      el('tr', { className: e.dir + (e.error ? ' error' : '') + (e.delta ? ' delta' : '') + (e.encrypted ? ' decrypted' : '') }, [
        el('td', { title: e.time }, e.time.slice(11, 23)),
        el('td', {}, e.dir),
        el('td', {}, e.channel || ''),
        el('td', {}, [e.event || ''].concat(e.delta ? [' ', el('span', { className: 'badge' }, 'delta')] :
          e.encrypted ? [' ', el('span', { className: 'badge' }, 'decrypted')] : [])),
        dataCell(e),
      ]));
    body.replaceChildren(...rows);
    $('log-count').textContent = `${shown.length} of ${log.length} entries`;
  }

  async function copyLog() {
    const text = JSON.stringify(log.filter(matches), null, 2);
    let done = false;
    try {
      await navigator.clipboard.writeText(text);
      done = true;
    } catch (_) {
      const buffer = $('copy-buffer');
      buffer.value = text;
      buffer.select();
      done = document.execCommand('copy');
    }
    $('log-count').textContent = done ? 'copied as JSON' : 'copy failed: select the text in the log';
  }

  // ------------------------------------------------------------------ console API
  // `form` sends URL-encoded fields (the auth endpoints take pusher-js's form bodies).
  async function api(method, path, body, form) {
    const headers = { ...AUTH_HEADERS };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (form !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(`${BASE}/api${path}`, {
      method,
      headers,
      body: form !== undefined ? new URLSearchParams(form).toString() : body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch (_) {
      json = { error: text };
    }
    if (!response.ok) throw new Error(json.error || `${response.status} ${response.statusText}`);
    return json;
  }

  function showError(message) {
    const p = $('error');
    p.textContent = message || '';
    p.hidden = !message;
  }

  const currentApp = () => apps.find((a) => a.id === $('app').value);

  async function loadApps() {
    try {
      apps = (await api('GET', '/apps')).apps;
    } catch (e) {
      showError(`Cannot list apps: ${e.message}`);
      return;
    }
    const select = $('app');
    select.replaceChildren(...apps.map((a) =>
      el('option', { value: a.id, disabled: !a.enabled }, `${a.name || a.id} (${a.key})${a.enabled ? '' : ' - disabled'}`)));
    const first = apps.find((a) => a.enabled);
    if (first) select.value = first.id;
    if (!apps.length) showError('No apps are configured: add one to app_manager.array.apps, or set SOCKUDO_DEFAULT_APP_ID/KEY/SECRET.');
    appChanged();
  }

  function appChanged() {
    const app = currentApp();
    const hint = $('encryption-hint');
    if (app && !app.encrypted_channels) {
      hint.textContent = 'This app has no encryption master key (encryption_master_key_base64 in its ' +
        'configuration), so private-encrypted- channels cannot be subscribed to or triggered from here.';
      hint.className = 'hint warning';
    } else {
      hint.textContent = 'private-encrypted- channels: the server hands this page each channel\'s shared ' +
        'secret, to decrypt what arrives and encrypt what the form triggers; the master key stays on the server.';
      hint.className = 'hint';
    }
    refreshChannels();
  }

  // ------------------------------------------------------------------ connection
  function setConnected(connected) {
    $('connect').disabled = connected;
    $('disconnect').disabled = !connected;
    $('app').disabled = connected;
    $('user-id').disabled = connected;
    $('user-name').disabled = connected;
    $('delta-enabled').disabled = connected;
    $('delta-algorithm').disabled = connected;
    $('subscribe').disabled = !connected;
    $('signin').disabled = !connected || !(currentApp() || {}).enable_user_authentication;
    updateClientChannels();
  }

  function connect() {
    const app = currentApp();
    if (!app) return showError('Pick an app first.');
    showError('');
    const tls = location.protocol === 'https:';
    const port = Number(location.port) || (tls ? 443 : 80);
    const params = { user_id: $('user-id').value.trim(), user_name: $('user-name').value.trim() };
    const appBase = `${BASE}/api/apps/${encodeURIComponent(app.id)}`;
    const appPath = `/apps/${encodeURIComponent(app.id)}`;
    pusher = new Pusher(app.key, {
      cluster: 'mt1', // required by pusher-js, unused with wsHost
      wsHost: location.hostname,
      wsPort: port,
      wssPort: port,
      forceTLS: tls,
      enabledTransports: ['ws'],
      disableStats: true,
      // Signed by this server; the page keeps encrypted channels' shared secrets for its log, and
      // sees the server's reason when it refuses.
      channelAuthorization: {
        customHandler: ({ socketId, channelName }, callback) => {
          api('POST', `${appPath}/auth/channel`, undefined, { socket_id: socketId, channel_name: channelName, ...params })
            .then((auth) => {
              if (auth.shared_secret) sharedSecrets.set(channelName, fromBase64(auth.shared_secret));
              callback(null, auth);
            }, (err) => callback(err, null));
        },
      },
      userAuthentication: { endpoint: `${appBase}/auth/user`, transport: 'ajax', params, headers: AUTH_HEADERS },
      nacl: window.nacl, // tweetnacl, for private-encrypted- channels
    });
    if ($('delta-enabled').checked) {
      decoder = createDecoder(pusher, $('delta-algorithm').value);
      $('delta-state').textContent = decoder ? 'requested' : 'unavailable';
    }
    pusher.connection.bind('state_change', ({ current }) => {
      $('state').textContent = current;
      $('socket-id').textContent = pusher && pusher.connection.socket_id ? pusher.connection.socket_id : '-';
      addLog({ dir: 'info', event: `state: ${current}` });
    });
    pusher.connection.bind('error', (err) => {
      const detail = err && err.error && err.error.data ? err.error.data.message || JSON.stringify(err.error.data) : '';
      if (detail) showError(`Connection error: ${detail}`);
    });
    pusher.bind('pusher:signin_success', () => addLog({ dir: 'info', event: 'signed in', data: params.user_id }));
    setConnected(true);
  }

  function disconnect() {
    if (decoder) decoder.destroy();
    decoder = null;
    $('delta-state').textContent = 'off';
    if (pusher) pusher.disconnect();
    pusher = null;
    sharedSecrets.clear();
    $('state').textContent = 'disconnected';
    $('socket-id').textContent = '-';
    $('subscriptions').replaceChildren();
    setConnected(false);
  }

  // ------------------------------------------------------------------ delta compression
  // clients/delta-decoder.js as it is, except that the frames come from LoggedWebSocket (so the
  // log entry and the decoded event meet) instead of pusher-js's transport.
  function createDecoder(client, algorithm) {
    const Base = window.DeltaDecoder;
    const fossil = window.fossilDelta;
    const vcdiff = window.vcdiffDecoder;
    if (!Base || !fossil || !vcdiff) {
      showError('The delta decoders did not load: delta compression stays off.');
      return null;
    }
    class ConsoleDeltaDecoder extends Base {
      // On every (re)connect: new socket, new streams; ask before pusher-js resubscribes.
      attach() {
        this.streams.clear();
        this.algorithm = null;
        this.pusher.send_event('pusher:enable_delta_compression', { algorithms: this.algorithms });
      }
      emit(channel, event, data, meta) {
        this.decoded = { channel, event, data, meta };
      }
      fail(channel, err) {
        this.failure = err;
        super.fail(channel, err);
      }
    }
    const other = algorithm === 'fossil' ? 'xdelta3' : 'fossil';
    return new ConsoleDeltaDecoder(client, { fossil, vcdiff, algorithms: [algorithm, other] });
  }

  // ------------------------------------------------------------------ subscriptions
  function subscribe(name) {
    if (!pusher || !name || pusher.channel(name)) return;
    const channel = pusher.subscribe(name);
    const members = el('ul', { className: 'members' });
    const state = el('span', { className: 'sub-state' }, 'subscribing');
    const unsubscribe = el('button', { type: 'button', className: 'small', onclick: () => {
      pusher.unsubscribe(name);
      item.remove();
      updateClientChannels();
    } }, 'unsubscribe');
    const item = el('li', { dataset: { channel: name } }, [el('span', { className: 'name' }, name), state, unsubscribe]);
    if (name.startsWith('presence-')) item.append(members);
    $('subscriptions').append(item);
    const renderMembers = () => {
      const rows = [];
      channel.members.each((m) => rows.push(el('li', {
        dataset: { memberId: m.id },
        className: channel.members.me && channel.members.me.id === m.id ? 'me' : '',
      }, `${m.id}${m.info && m.info.name && m.info.name !== m.id ? ` (${m.info.name})` : ''}`)));
      members.replaceChildren(...rows);
      state.textContent = `subscribed, ${channel.members.count} member${channel.members.count === 1 ? '' : 's'}`;
    };
    channel.bind('pusher:subscription_succeeded', () => {
      state.textContent = 'subscribed';
      if (name.startsWith('presence-')) renderMembers();
      updateClientChannels();
    });
    channel.bind('pusher:subscription_error', (err) => {
      state.textContent = 'failed';
      showError(`Subscribing to ${name} failed: ${err && (err.error || err.status || JSON.stringify(err))}`);
    });
    if (name.startsWith('presence-')) {
      channel.bind('pusher:member_added', renderMembers);
      channel.bind('pusher:member_removed', renderMembers);
    }
  }

  function updateClientChannels() {
    const select = $('client-channel');
    const names = pusher
      ? pusher.allChannels()
        .filter((c) => c.subscribed && /^(private|presence)-/.test(c.name) && !isEncrypted(c.name))
        .map((c) => c.name)
      : [];
    const previous = select.value;
    select.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
    if (names.includes(previous)) select.value = previous;
    $('client-send').disabled = !names.length;
  }

  // ------------------------------------------------------------------ JSON data fields
  // Parses a JSON textarea; marks it and shows why when it is not valid JSON.
  function jsonField(textarea, errorP) {
    const text = textarea.value.trim();
    try {
      const value = JSON.parse(text);
      textarea.classList.remove('invalid');
      errorP.hidden = true;
      return { ok: true, value };
    } catch (e) {
      textarea.classList.add('invalid');
      errorP.textContent = `Data is not valid JSON: ${e.message}`;
      errorP.hidden = false;
      return { ok: false };
    }
  }

  function sendClientEvent() {
    const channel = pusher && pusher.channel($('client-channel').value);
    const event = $('client-event').value.trim();
    const data = jsonField($('client-data'), $('client-error'));
    if (!channel || !data.ok) return;
    if (!event.startsWith('client-')) {
      $('client-error').textContent = 'Client event names start with "client-".';
      $('client-error').hidden = false;
      return;
    }
    if (!channel.trigger(event, data.value)) showError('pusher-js refused the client event (not connected or not subscribed).');
  }

  // ------------------------------------------------------------------ trigger
  function triggerEvents() {
    const channels = $('trigger-channels').value.split(',').map((c) => c.trim()).filter(Boolean);
    const name = $('trigger-event').value.trim();
    const data = jsonField($('trigger-data'), $('trigger-error'));
    const err = $('trigger-error');
    if (!data.ok) return null;
    if (!channels.length || !name) {
      err.textContent = 'Give at least one channel and an event name.';
      err.hidden = false;
      return null;
    }
    const event = { name, channels, data: JSON.stringify(data.value) };
    if ($('trigger-exclude').checked) {
      if (!pusher || !pusher.connection.socket_id) {
        err.textContent = 'Connect first to exclude this console\'s socket.';
        err.hidden = false;
        return null;
      }
      event.socket_id = pusher.connection.socket_id;
    }
    return event;
  }

  function triggerError(message) {
    $('trigger-error').textContent = message;
    $('trigger-error').hidden = false;
  }

  // Data for a private-encrypted- channel, encrypted as the server SDKs do: nacl secretbox of the
  // JSON text with the channel's shared secret (asked from this server), sent as {nonce, ciphertext}.
  async function encryptFor(channel, text) {
    const app = currentApp();
    const { shared_secret: secret } = await api('POST', `/apps/${encodeURIComponent(app.id)}/auth/channel`, undefined, { channel_name: channel });
    const nonce = nacl.randomBytes(nacl.secretbox.nonceLength);
    const box = nacl.secretbox(utf8.encode(text), nonce, fromBase64(secret));
    return JSON.stringify({ nonce: toBase64(nonce), ciphertext: toBase64(box) });
  }

  async function sealed(event) {
    const encrypted = event.channels.filter(isEncrypted);
    if (!encrypted.length) return event;
    if (event.channels.length > 1) {
      throw new Error('Each private-encrypted- channel has its own key: trigger to that channel alone, ' +
        'or use "Add to batch" (one event per channel).');
    }
    return { ...event, data: await encryptFor(event.channels[0], event.data) };
  }

  async function post(body, label, note) {
    const app = currentApp();
    if (!app) return showError('Pick an app first.');
    const result = $('trigger-result');
    addLog({ dir: 'http', event: label, channel: body.channels ? body.channels.join(',') : '', data: body, note });
    try {
      const response = await api('POST', `/apps/${encodeURIComponent(app.id)}/events`, body);
      result.textContent = `${label}: OK ${JSON.stringify(response)}`;
      addLog({ dir: 'http', event: `${label}: OK`, data: response });
    } catch (e) {
      result.textContent = `${label}: ${e.message}`;
      addLog({ dir: 'http', event: `${label}: failed`, data: e.message, error: true });
    }
    refreshChannels();
  }

  function updateBatchButton() {
    $('batch-send').textContent = `Send batch (${batch.length})`;
    $('batch-send').disabled = !batch.length;
  }

  // ------------------------------------------------------------------ occupied channels
  let refreshing = false;
  async function refreshChannels() {
    const app = currentApp();
    if (!app || refreshing || !app.enabled) return;
    refreshing = true;
    try {
      const { channels } = await api('GET', `/apps/${encodeURIComponent(app.id)}/channels`);
      const rows = Object.entries(channels).map(([name, info]) => el('tr', { dataset: { channel: name } }, [
        el('td', {}, name),
        el('td', { className: 'subscribers' }, info.subscription_count),
        el('td', {}, info.user_count === undefined ? '' : info.user_count),
      ]));
      if (!rows.length) rows.push(el('tr', {}, el('td', { colSpan: 3, className: 'hint' }, 'No occupied channels')));
      $('channel-table').querySelector('tbody').replaceChildren(...rows);
      $('channels-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      $('channels-updated').textContent = `update failed: ${e.message}`;
    } finally {
      refreshing = false;
    }
  }

  // ------------------------------------------------------------------ wiring
  function init() {
    const user = `user-${Math.random().toString(36).slice(2, 7)}`;
    $('user-id').value = user;
    $('user-name').value = user;
    $('connect').addEventListener('click', connect);
    $('disconnect').addEventListener('click', disconnect);
    $('signin').addEventListener('click', () => pusher && pusher.signin());
    $('app').addEventListener('change', appChanged);
    $('subscribe-form').addEventListener('submit', (e) => {
      e.preventDefault();
      subscribe($('channel-name').value.trim());
      $('channel-name').value = '';
    });
    $('client-form').addEventListener('submit', (e) => {
      e.preventDefault();
      sendClientEvent();
    });
    $('trigger-data').addEventListener('input', () => jsonField($('trigger-data'), $('trigger-error')));
    $('client-data').addEventListener('input', () => jsonField($('client-data'), $('client-error')));
    $('trigger-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const event = triggerEvents();
      if (!event) return;
      let body;
      try {
        body = await sealed(event);
      } catch (err) {
        return triggerError(err.message);
      }
      post(body, `trigger ${event.name}`, body === event ? undefined : `data encrypted in this page for ${event.channels[0]}`);
    });
    $('batch-add').addEventListener('click', async () => {
      const event = triggerEvents();
      if (!event) return;
      const queued = [];
      try {
        for (const channel of event.channels) {
          const data = isEncrypted(channel) ? await encryptFor(channel, event.data) : event.data;
          const one = { name: event.name, channel, data };
          if (event.socket_id) one.socket_id = event.socket_id;
          queued.push(one);
        }
      } catch (err) {
        return triggerError(err.message);
      }
      batch.push(...queued);
      updateBatchButton();
    });
    $('batch-send').addEventListener('click', () => {
      const events = batch;
      batch = [];
      updateBatchButton();
      post({ batch: events }, `batch of ${events.length}`);
    });
    $('batch-clear').addEventListener('click', () => {
      batch = [];
      updateBatchButton();
    });
    for (const id of ['filter-channel', 'filter-event']) $(id).addEventListener('input', renderLog);
    $('pause').addEventListener('change', () => $('pause').checked || renderLog());
    $('clear').addEventListener('click', () => {
      log.length = 0;
      renderLog();
    });
    $('copy').addEventListener('click', copyLog);
    setConnected(false);
    renderLog();
    loadApps();
    setInterval(refreshChannels, CHANNELS_EVERY_MS);
  }

  init();
})();
