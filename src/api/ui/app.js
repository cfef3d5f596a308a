// hearth's cluster page: the status arrives by server-sent events (/ui/events) at every change;
// actions call the API itself (the session cookie stands for the token, with the X-Hearth-UI
// header that proves the call comes from this page). Text is always set as text, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
let current = null;  // the last status
let drainTarget = null;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Replaces a table's rows, keeping the keyboard focus on the same button (by its label).
function replaceRows(tbody, rows) {
  const active = document.activeElement;
  const label = active && tbody.contains(active) ? active.getAttribute('aria-label') : null;
  tbody.replaceChildren(...rows);
  if (label) {
    const again = [...tbody.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === label);
    if (again) again.focus();
  }
}

function duration(ms) {
  if (ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
}
function ago(at) { return at ? duration(Date.now() - at) + ' ago' : ''; }
function clock(at) {
  const d = new Date(at);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' +
         pad(d.getMilliseconds(), 3);
}
function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}
function stateClass(state) {
  state = String(state || '').toLowerCase();
  if (['alive', 'running', 'healthy', 'mounted', 'active', 'started'].includes(state)) return 'state good';
  if (['starting', 'restarting', 'releasing', 'degraded', 'waiting', 'pending'].includes(state)) return 'state warn';
  return 'state bad';
}

async function api(method, path) {
  const response = await fetch(path, {
    method, credentials: 'same-origin', headers: { 'X-Hearth-UI': '1' },
  });
  if (response.status === 401) { location.href = '/ui/login'; throw new Error('logged out'); }
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) throw new Error((body && body.error) || ('HTTP ' + response.status));
  return body;
}

function renderSummary(s) {
  $('cluster').textContent = s.cluster || 'hearth';
  const q = s.quorum || {};
  $('quorum').className = q.ok ? 'good' : 'bad';
  $('quorum').textContent = (q.ok ? 'yes' : 'NO') + ' (' + q.members_up + ' of ' + q.members + ' etcd members)' +
    (s.stale ? ', stale view' : '');
  $('leader').textContent = s.leader ? s.leader.node + ' for ' + duration(Date.now() - s.leader.since) : 'none';
  $('spec').textContent = s.spec ? 'revision ' + s.spec.revision + ' by ' + s.spec.applied_by + ', ' + ago(s.spec.applied_at)
                                 : 'not applied yet';
  $('observed').textContent = 'by ' + s.observed_by + ' at ' + clock(s.observed_at);
}

function renderNodes(s) {
  const members = Object.fromEntries((s.members || []).map((m) => [m.name, m]));
  const drained = new Set((s.drained || []).map((d) => d.node));
  const placed = {};
  for (const a of s.assignments || []) if (a.node) placed[a.node] = (placed[a.node] || 0) + 1;
  const rows = (s.nodes || []).map((n) => {
    const m = members[n.name] || {};
    const isDrained = drained.has(n.name);
    let action = null;
    if (n.role === 'server') {
      action = isDrained
        ? el('button', { type: 'button', onclick: () => undrain(n.name), 'aria-label': 'Undrain ' + n.name }, 'Undrain')
        : el('button', { type: 'button', onclick: () => openDrain(n.name), 'aria-label': 'Drain ' + n.name }, 'Drain…');
    }
    const leader = s.leader && s.leader.node === n.name;
    return el('tr', { 'data-node': n.name, 'data-state': n.state, 'data-since': n.since || '', 'data-drained': isDrained ? 'yes' : 'no' },
      el('th', { scope: 'row' }, n.name, leader ? el('span', { class: 'muted' }, ' (leader)') : null),
      el('td', {}, n.role),
      el('td', {}, el('span', { class: stateClass(n.state) }, n.state),
        n.since ? el('span', { class: 'muted', title: new Date(n.since).toISOString() }, ' ' + ago(n.since)) : null,
        isDrained ? el('span', { class: 'state warn' }, ' drained') : null),
      el('td', {}, m.up ? el('span', { class: 'good' }, m.etcd_leader ? 'up, raft leader' : 'up')
                        : el('span', { class: 'bad', title: m.error || '' }, 'down')),
      el('td', {}, n.state === 'alive' && n.started_at ? duration(Date.now() - n.started_at) : '—'),
      el('td', { class: 'num' }, n.role === 'server' ? String(placed[n.name] || 0) : '—'),
      el('td', { class: 'muted' }, n.version || ''),
      el('td', {}, action));
  });
  replaceRows($('nodes').tBodies[0], rows);
}

function renderServices(s) {
  const assigned = Object.fromEntries((s.assignments || []).map((a) => [a.service, a]));
  const rows = (s.services || []).map((sv) => {
    const a = assigned[sv.name] || {};
    const p = sv.last_probe;
    return el('tr', { 'data-service': sv.name, 'data-node': sv.node || '', 'data-state': sv.state },
      el('th', { scope: 'row' }, sv.name),
      el('td', {}, sv.node || '—'),
      el('td', {}, sv.address || a.address || '—'),
      el('td', {}, el('span', { class: stateClass(sv.state) }, sv.state),
        sv.since ? el('span', { class: 'muted' }, ' ' + ago(sv.since)) : null,
        sv.error ? el('div', { class: 'muted' }, sv.error) : null),
      el('td', { class: 'num' }, String(sv.restarts || 0)),
      el('td', {}, p ? el('span', { class: p.ok ? 'good' : 'bad', title: p.message || '' },
        (p.ok ? 'ok' : 'failed') + (p.duration_ms !== undefined ? ' in ' + p.duration_ms + ' ms' : '') + ', ' + ago(p.at)) : '—'),
      el('td', { class: 'muted' }, a.state ? a.state + (a.node ? ' on ' + a.node : '') + (a.reason ? ': ' + a.reason : '') : ''));
  });
  $('services-table').tBodies[0].replaceChildren(...rows);
}

function renderVolumes(s) {
  const rows = (s.volumes || []).map((v) => {
    const bricks = (v.bricks || []).map((b) => el('div', {},
      el('span', { class: b.up === true ? 'good' : b.up === false ? 'bad' : 'muted' },
        b.up === true ? '● ' : b.up === false ? '✘ ' : '? '),
      b.node + ':' + b.brick + (b.role === 'arbiter' ? ' (arbiter)' : '')));
    const mounts = (v.mounts || []).map((m) => el('div', {}, m.node + (['mounted', 'alive'].includes(m.state) ? '' : ' (' + m.state + ')')));
    const heal = v.heal;
    return el('tr', { 'data-volume': v.name, 'data-state': v.state },
      el('th', { scope: 'row' }, v.name),
      el('td', {}, el('span', { class: stateClass(v.state) }, v.state), v.stale ? el('div', { class: 'muted' }, 'stale: ' + (v.error || '')) : null),
      el('td', {}, bricks),
      el('td', {}, mounts.length ? mounts : '—'),
      el('td', { class: 'num' }, heal ? el('span', { class: heal.pending ? 'warn' : '' }, String(heal.pending)) : '?'),
      el('td', { class: 'num' }, heal ? el('span', { class: heal.split_brain ? 'bad' : '' }, String(heal.split_brain)) : '?'),
      el('td', {}, v.size ? bytes(v.size.used) + ' / ' + bytes(v.size.total) : '—'));
  });
  $('volumes').tBodies[0].replaceChildren(...rows);
}

function renderEvents(events) {
  const items = (events || []).slice().reverse().map((e) => el('li', { 'data-kind': e.kind },
    el('time', { datetime: new Date(e.at).toISOString() }, clock(e.at)), e.text));
  $('events').replaceChildren(...items);
}

function render(update) {
  $('error').textContent = update.error ? 'This node cannot read the cluster: ' + update.error : '';
  renderEvents(update.events);
  if (!update.status) return;
  current = update.status;
  renderSummary(current);
  renderNodes(current);
  renderServices(current);
  renderVolumes(current);
}

function connect() {
  const live = $('live');
  const source = new EventSource('/ui/events');
  source.addEventListener('status', (event) => {
    live.textContent = 'live';
    live.className = 'pill good';
    render(JSON.parse(event.data));
  });
  source.addEventListener('error', async () => {
    live.textContent = 'reconnecting…';
    live.className = 'pill bad';
    if (source.readyState === EventSource.CLOSED) {
      // Closed for good: logged out (401), or the session ended. Ask once, then try again.
      try { await api('GET', '/v1/status'); } catch (e) { /* api() moves to the login page on 401 */ }
      setTimeout(connect, 1000);
    }
  });
}

async function openDrain(node) {
  drainTarget = node;
  const dialog = $('drain-dialog');
  $('drain-title').textContent = 'Drain ' + node;
  $('drain-summary').textContent = 'Checking what draining ' + node + ' would do…';
  $('drain-checks').replaceChildren();
  $('drain-services').tBodies[0].replaceChildren();
  $('drain-result').textContent = '';
  $('drain-confirm').disabled = true;
  dialog.showModal();
  try {
    const p = await api('GET', '/v1/nodes/' + encodeURIComponent(node) + '/drain-preflight');
    $('drain-summary').textContent = p.ok
      ? 'Every check passes: ' + node + "'s services move to another server, one at a time."
      : 'Not every check passes. You can still drain, but read why first.';
    $('drain-summary').className = p.ok ? 'good' : 'warn';
    $('drain-checks').replaceChildren(...p.checks.map((c) =>
      el('li', { class: c.ok ? '' : 'failed', 'data-check': c.check, 'data-ok': c.ok ? 'yes' : 'no' },
        el('strong', {}, c.check + ': '), c.detail)));
    $('drain-services').hidden = p.services.length === 0;
    $('drain-services').tBodies[0].replaceChildren(...p.services.map((sv) =>
      el('tr', { 'data-service': sv.service },
        el('th', { scope: 'row' }, sv.service),
        el('td', { class: sv.outcome === 'stops' ? 'bad' : '' }, sv.to || 'nowhere: it stops'),
        el('td', { class: 'muted' }, sv.reason))));
    $('drain-confirm').textContent = p.ok ? 'Drain ' + node : 'Drain ' + node + ' anyway';
    $('drain-confirm').disabled = false;
    $('drain-confirm').focus();
  } catch (e) {
    $('drain-summary').textContent = 'The preflight failed: ' + e.message;
    $('drain-summary').className = 'bad';
  }
}

async function confirmDrain() {
  const node = drainTarget;
  $('drain-confirm').disabled = true;
  try {
    const r = await api('POST', '/v1/nodes/' + encodeURIComponent(node) + '/drain');
    $('drain-result').textContent = node + (r.changed ? ' drained' : ' was already drained') +
      ': its services are handed over; watch them move in the table.';
    $('drain-result').className = 'good';
    $('drain-cancel').textContent = 'Close';
    $('drain-cancel').focus();
  } catch (e) {
    $('drain-result').textContent = 'Drain failed: ' + e.message;
    $('drain-result').className = 'bad';
    $('drain-confirm').disabled = false;
  }
}

async function undrain(node) {
  try {
    await api('POST', '/v1/nodes/' + encodeURIComponent(node) + '/undrain');
  } catch (e) {
    $('error').textContent = 'Undrain ' + node + ' failed: ' + e.message;
  }
}

async function logout() {
  try { await api('POST', '/ui/logout'); } catch (e) { /* the page below asks again */ }
  location.href = '/ui/login';
}

document.addEventListener('DOMContentLoaded', () => {
  $('logout').addEventListener('click', logout);
  $('drain-confirm').addEventListener('click', confirmDrain);
  $('drain-dialog').addEventListener('close', () => { $('drain-cancel').textContent = 'Cancel'; });
  connect();
  // Relative times ("12 s ago") move on between pushes.
  setInterval(() => { if (current) { renderSummary(current); renderNodes(current); renderServices(current); } }, 5000);
});
