// The Sockudo web console: plain JS, no build step. Talks to this server only: the page's own
// origin for its JSON API and pusher-js's WebSocket.
'use strict';

(function () {
  const BASE = document.querySelector('meta[name="sockudo-console-base"]').content;
  const TOKEN = new URLSearchParams(location.search).get('token');
  const AUTH_HEADERS = TOKEN ? { 'X-Console-Token': TOKEN } : {};
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
    let data = frame.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch (_) {
        /* a plain string payload */
      }
    }
    addLog({ dir, channel: frame.channel, event: frame.event, data, bytes: String(text).length });
  }

  function addLog(entry) {
    entry.time = new Date().toISOString();
    log.push(entry);
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
    if (!$('pause').checked) renderLog();
  }

  function matches(entry) {
    const ch = $('filter-channel').value.trim().toLowerCase();
    const ev = $('filter-event').value.trim().toLowerCase();
    return (!ch || (entry.channel || '').toLowerCase().includes(ch)) &&
      (!ev || (entry.event || '').toLowerCase().includes(ev));
  }

  function renderLog() {
    const body = $('log').querySelector('tbody');
    const shown = log.filter(matches);
    const rows = shown.slice(-500).reverse().map((e) =>
      el('tr', { className: e.dir + (e.error ? ' error' : '') }, [
        el('td', { title: e.time }, e.time.slice(11, 23)),
        el('td', {}, e.dir),
        el('td', {}, e.channel || ''),
        el('td', {}, e.event || ''),
        el('td', { className: 'data' }, e.data === undefined ? '' : typeof e.data === 'string' ? e.data : JSON.stringify(e.data)),
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
  async function api(method, path, body) {
    const headers = { ...AUTH_HEADERS };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${BASE}/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
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
    refreshChannels();
  }

  // ------------------------------------------------------------------ connection
  function setConnected(connected) {
    $('connect').disabled = connected;
    $('disconnect').disabled = !connected;
    $('app').disabled = connected;
    $('user-id').disabled = connected;
    $('user-name').disabled = connected;
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
    pusher = new Pusher(app.key, {
      cluster: 'mt1', // required by pusher-js, unused with wsHost
      wsHost: location.hostname,
      wsPort: port,
      wssPort: port,
      forceTLS: tls,
      enabledTransports: ['ws'],
      disableStats: true,
      channelAuthorization: { endpoint: `${appBase}/auth/channel`, transport: 'ajax', params, headers: AUTH_HEADERS },
      userAuthentication: { endpoint: `${appBase}/auth/user`, transport: 'ajax', params, headers: AUTH_HEADERS },
    });
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
    if (pusher) pusher.disconnect();
    pusher = null;
    $('state').textContent = 'disconnected';
    $('socket-id').textContent = '-';
    $('subscriptions').replaceChildren();
    setConnected(false);
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
      ? pusher.allChannels().filter((c) => c.subscribed && /^(private|presence)-/.test(c.name)).map((c) => c.name)
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

  async function post(body, label) {
    const app = currentApp();
    if (!app) return showError('Pick an app first.');
    const result = $('trigger-result');
    addLog({ dir: 'http', event: label, channel: body.channels ? body.channels.join(',') : '', data: body });
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
    $('app').addEventListener('change', refreshChannels);
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
    $('trigger-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const event = triggerEvents();
      if (event) post(event, `trigger ${event.name}`);
    });
    $('batch-add').addEventListener('click', () => {
      const event = triggerEvents();
      if (!event) return;
      for (const channel of event.channels) {
        const one = { name: event.name, channel, data: event.data };
        if (event.socket_id) one.socket_id = event.socket_id;
        batch.push(one);
      }
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
