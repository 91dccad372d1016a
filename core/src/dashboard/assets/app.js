// Switchboard dashboard: a thin client of the admin API (docs/dashboard.md).
// The admin token lives in sessionStorage (this tab only) and is sent as a
// bearer header, never in a URL or a cookie. Everything shown is built with
// textContent, so no API value is ever interpreted as HTML.
'use strict';

const TOKEN_KEY = 'switchboard.admin_token';
const EVENT_TYPES = ['call.started', 'call.completed', 'lead.captured',
  'booking.created', 'transfer.requested', 'voicemail.left'];
const STATES = ['pending', 'retrying', 'succeeded', 'failed', 'disabled'];
const main = () => document.getElementById('main');

// ---- plumbing -------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const badge = (s) => h('span', { class: `badge ${s}`, 'data-status': s, text: s });
const when = (t) => (t ? new Date(t).toLocaleString() : '—');

function toast(message, link, bad = false) {
  const t = document.getElementById('toast');
  t.replaceChildren(message, link ? ' ' : '', link || '');
  t.className = bad ? 'bad' : '';
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

class Unauthorized extends Error {}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401) throw new Unauthorized(data?.error?.message || 'unauthorized');
  if (!res.ok) throw new Error(data?.error?.message || `HTTP ${res.status}`);
  return data;
}

// Runs an action from a button: disables it meanwhile, reports failures.
async function act(button, fn) {
  button.disabled = true;
  try { await fn(); } catch (e) { fail(e); } finally { button.disabled = false; }
}

function fail(e) {
  if (e instanceof Unauthorized) { logout('Your token was refused; log in again.'); return; }
  toast(e.message, null, true);
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = '#/';
  render(message);
}

function parseHash() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  return { parts: (path || '/').split('/').filter(Boolean), params: new URLSearchParams(query || '') };
}

// ---- pages ----------------------------------------------------------------

function loginPage(message) {
  const input = h('input', { id: 'login-token', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('div', { class: 'error', id: 'login-error', text: message || '' });
  const form = h('form', { class: 'panel login', id: 'login' },
    h('h1', { text: 'Log in' }),
    h('p', { class: 'muted', text: 'Paste the admin token ([server] admin_token). It is kept in this tab only.' }),
    h('label', { for: 'login-token', text: 'Admin token' }), input,
    h('button', { class: 'primary', id: 'login-submit', type: 'submit', text: 'Log in' }), error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await api('GET', '/v1/connectors');
      render();
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      error.textContent = e instanceof Unauthorized ? 'That is not the admin token.' : e.message;
    }
  });
  return [form];
}

// Health as the API reports it (`health` on connectors and endpoints):
// the stored failure streak and last success, this node's success rate and
// circuit breaker. The badge only summarises those fields.
function healthCell(hv) {
  if (!hv) return h('span', { class: 'muted', text: '—' });
  const word = hv.breaker !== 'closed' ? 'failing' : hv.consecutive_failures > 0 ? 'degraded' : 'healthy';
  const rate = hv.success_rate == null
    ? 'no recent attempts'
    : `${Math.round(hv.success_rate * 100)}% of last ${hv.recent_attempts}`;
  const details = [
    `${hv.consecutive_failures} consecutive failure${hv.consecutive_failures === 1 ? '' : 's'}`,
    `last success ${hv.last_success_at ? when(hv.last_success_at) : 'never'}`,
    `success rate ${rate}`,
    `breaker ${hv.breaker.replace('_', '-')}`,
  ];
  if (hv.failing_since) details.push(`failing since ${when(hv.failing_since)}`);
  return h('div', { class: 'health', 'data-breaker': hv.breaker, 'data-failures': hv.consecutive_failures },
    badge(word), h('div', { class: 'muted small', text: details.join(' · ') }));
}

// Pacing as the API reports it (`pacing` on connectors): the configured
// rate limit and a pause the target asked for, if any.
function pacingNote(p) {
  if (!p || (!p.rate_limit && !p.paused_until)) return null;
  const parts = [];
  if (p.paused_until) parts.push(`paused until ${when(p.paused_until)}${p.reason ? `: ${p.reason}` : ''}`);
  if (p.rate_limit) parts.push(`paced ${p.rate_limit.per_second}/s (burst ${p.rate_limit.burst})`);
  return h('div', { class: 'pacing', 'data-paused': p.paused_until ? 'true' : 'false' },
    p.paused_until ? badge('paused') : null, h('div', { class: 'muted small', text: parts.join(' · ') }));
}

function testFire(onSend) {
  const select = h('select', { class: 'test-type', 'aria-label': 'Sample event type' },
    EVENT_TYPES.map((t) => h('option', { value: t, text: t })));
  const button = h('button', { type: 'button', class: 'test-fire', text: 'Send test event' });
  button.addEventListener('click', () => act(button, async () => {
    const eventId = await onSend(select.value);
    toast(`Sent ${select.value} (${eventId}).`,
      h('a', { href: `#/deliveries?event_id=${encodeURIComponent(eventId)}`, text: 'See its delivery' }));
  }));
  return h('div', { class: 'actions' }, select, button);
}

// A target's state: a disabled one shows why, how many deliveries it holds
// (sent oldest first when it is re-enabled) and a button to re-enable it.
function stateCell(t, enabled, reenablePath) {
  const cell = h('td', {}, badge(enabled ? 'active' : 'disabled'),
    t.disabled_reason ? h('div', { class: 'muted', text: t.disabled_reason }) : null);
  if (!enabled) {
    cell.append(h('div', { class: 'held', text: `${t.held ?? 0} held` }));
    const button = h('button', { type: 'button', class: 'primary reenable', text: 'Re-enable' });
    button.addEventListener('click', () => act(button, async () => {
      await api('PATCH', reenablePath, { enabled: true });
      toast(`Re-enabled; ${t.held ?? 0} held deliveries are being sent.`);
      await render();
    }));
    cell.append(h('div', { class: 'actions' }, button));
  }
  return cell;
}

async function connectorsPage() {
  const { data } = await api('GET', '/v1/connectors');
  const rows = data.map((c) => h('tr', { 'data-connector': c.name },
    h('td', {}, h('a', { href: `#/deliveries?connector=${encodeURIComponent(c.name)}`, text: c.name })),
    h('td', { text: c.kind }),
    h('td', { text: c.events ? c.events.join(', ') : 'all' }),
    stateCell(c, c.state !== 'disabled', `/v1/connectors/${encodeURIComponent(c.name)}`),
    h('td', {}, healthCell(c.health), pacingNote(c.pacing)),
    ...STATES.map((s) => h('td', { class: 'num', text: c.counts[s] ?? 0 })),
    h('td', {}, testFire(async (t) => (await api('POST', `/v1/connectors/${encodeURIComponent(c.name)}/test`, { event_type: t })).event_id))));
  const table = data.length
    ? h('table', { id: 'connectors' },
      h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Events', 'State', 'Health', ...STATES, 'Test'].map((t) => h('th', { text: t })))),
      h('tbody', {}, rows))
    : h('p', { class: 'muted', text: 'No connectors are configured.' });
  return [h('h1', { text: 'Connectors' }), table, ...(await endpointsSection())];
}

// ---- runtime endpoints (`/v1/endpoints`) -----------------------------------

function secretBox(secret, what) {
  return h('div', { class: 'secret', id: 'one-time-secret' },
    h('strong', { text: `${what}: copy the signing secret now, it is not shown again.` }), h('br'),
    h('code', { id: 'secret-value', text: secret }));
}

function endpointForm(ep, onDone) {
  const url = h('input', { id: 'ep-url', type: 'url', required: true, placeholder: 'https://example.com/hooks', value: ep?.url || '', size: 50 });
  const description = h('input', { id: 'ep-description', value: ep?.description || '', size: 30 });
  const boxes = EVENT_TYPES.map((t) => h('input', {
    type: 'checkbox', name: 'events', value: t, checked: !ep?.events || ep.events.includes(t) }));
  const save = h('button', { type: 'submit', class: 'primary', id: 'ep-save', text: ep ? 'Save' : 'Add endpoint' });
  const form = h('form', { class: 'panel', id: 'endpoint-form' },
    h('h2', { text: ep ? `Edit ${ep.id}` : 'New endpoint' }),
    h('label', { for: 'ep-url', text: 'URL' }), url,
    h('label', { for: 'ep-description', text: 'Description' }), description,
    h('label', { text: 'Events (all ticked = every type, including future ones)' }),
    h('div', { class: 'checks' }, boxes.map((b) => h('label', {}, b, ` ${b.value}`))),
    h('div', { class: 'actions spaced' }, save,
      h('button', { type: 'button', text: 'Cancel', onclick: () => form.remove() })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(save, async () => {
      const picked = boxes.filter((b) => b.checked).map((b) => b.value);
      if (!picked.length) throw new Error('Pick at least one event type.');
      const body = {
        url: url.value.trim(),
        description: description.value,
        events: picked.length === EVENT_TYPES.length ? null : picked,
      };
      const saved = ep
        ? await api('PATCH', `/v1/endpoints/${encodeURIComponent(ep.id)}`, body)
        : await api('POST', '/v1/endpoints', body);
      await onDone(saved);
    });
  });
  return form;
}

async function endpointsSection() {
  let list;
  try {
    list = await api('GET', '/v1/endpoints?limit=500');
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    return []; // this hub has no runtime endpoints API
  }
  const slot = h('div', { id: 'endpoint-slot' });
  const show = (...nodes) => slot.replaceChildren(...nodes);
  const reloadWith = async (...nodes) => { await render(); document.getElementById('endpoint-slot')?.replaceChildren(...nodes); };
  const add = h('button', { type: 'button', class: 'primary', id: 'add-endpoint', text: 'Add endpoint' });
  add.addEventListener('click', () => show(endpointForm(null, (created) =>
    reloadWith(secretBox(created.secret, `Endpoint ${created.id} created`)))));
  const rows = list.data.map((ep) => {
    const toggle = h('button', { type: 'button', class: ep.enabled ? 'danger ep-disable' : 'ep-enable', text: ep.enabled ? 'Disable' : 'Enable' });
    toggle.addEventListener('click', () => act(toggle, async () => {
      await api('PATCH', `/v1/endpoints/${encodeURIComponent(ep.id)}`, { enabled: !ep.enabled });
      await render();
    }));
    const rotate = h('button', { type: 'button', class: 'ep-rotate', text: 'Rotate secret' });
    rotate.addEventListener('click', () => act(rotate, async () => {
      const r = await api('POST', `/v1/endpoints/${encodeURIComponent(ep.id)}/rotate-secret`, {});
      await reloadWith(secretBox(r.secret, `New secret for ${ep.id}`));
    }));
    const edit = h('button', { type: 'button', class: 'ep-edit', text: 'Edit',
      onclick: () => show(endpointForm(ep, () => render())) });
    const remove = h('button', { type: 'button', class: 'danger ep-delete', text: 'Delete' });
    remove.addEventListener('click', () => act(remove, async () => {
      if (!window.confirm(`Delete endpoint ${ep.id}? Its delivery log stays.`)) return;
      await api('DELETE', `/v1/endpoints/${encodeURIComponent(ep.id)}`);
      await render();
    }));
    const urls = [ep.url, ...Object.entries(ep.urls || {}).map(([t, u]) => `${t}: ${u}`)].filter(Boolean);
    return h('tr', { class: 'endpoint-row', 'data-endpoint': ep.id, 'data-url': ep.url || '' },
      h('td', {}, h('a', { class: 'mono', href: `#/deliveries?connector=${encodeURIComponent(ep.id)}`, text: ep.id }),
        ep.description ? h('div', { class: 'muted', text: ep.description }) : null),
      h('td', { class: 'mono', text: urls.join(', ') }),
      h('td', { text: ep.events ? ep.events.join(', ') : 'all' }),
      stateCell(ep, ep.enabled, `/v1/endpoints/${encodeURIComponent(ep.id)}`),
      h('td', {}, healthCell(ep.health)),
      h('td', { class: 'mono', text: ep.secret }),
      h('td', {}, h('div', { class: 'actions' }, edit, toggle, rotate, remove),
        testFire(async (t) => (await api('POST', `/v1/endpoints/${encodeURIComponent(ep.id)}/test`, { event_type: t })).event_id)));
  });
  return [
    h('h2', { text: 'Endpoints' }),
    h('div', { class: 'actions toolbar' }, add),
    slot,
    h('table', { id: 'endpoints' },
      h('thead', {}, h('tr', {}, ['Endpoint', 'URL', 'Events', 'State', 'Health', 'Secret', 'Actions'].map((t) => h('th', { text: t })))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted', text: 'No endpoints yet.' })))),
  ];
}

function filtersForm(params, connectors) {
  const status = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '', text: 'any' }), STATES.map((s) => h('option', { value: s, text: s })));
  status.value = params.get('status') || '';
  const connector = h('select', { id: 'filter-connector', name: 'connector' },
    h('option', { value: '', text: 'any' }), connectors.map((c) => h('option', { value: c, text: c })));
  connector.value = params.get('connector') || '';
  const event = h('input', { id: 'filter-event', name: 'event_id', placeholder: 'evt_…', value: params.get('event_id') || '' });
  const form = h('form', { class: 'row', id: 'filters' },
    h('div', {}, h('label', { text: 'Status' }), status),
    h('div', {}, h('label', { text: 'Connector' }), connector),
    h('div', {}, h('label', { text: 'Event id' }), event),
    h('button', { type: 'submit', class: 'primary', text: 'Filter' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
    location.hash = `#/deliveries?${q}`;
  });
  return form;
}

async function deliveriesPage(params) {
  const q = new URLSearchParams();
  for (const k of ['status', 'connector', 'event_id', 'cursor']) if (params.get(k)) q.set(k, params.get(k));
  const [page, connectors] = await Promise.all([
    api('GET', `/v1/deliveries?${q}`), api('GET', '/v1/connectors')]);
  const checks = [];
  const rows = page.data.map((d) => {
    const check = h('input', { type: 'checkbox', class: 'select', value: d.id, 'aria-label': `Select ${d.id}` });
    checks.push(check);
    return h('tr', { class: 'delivery-row', 'data-id': d.id, 'data-status': d.status },
      h('td', {}, check),
      h('td', {}, h('a', { class: 'mono', href: `#/deliveries/${encodeURIComponent(d.id)}`, text: d.id })),
      h('td', {}, h('a', { class: 'call-link', href: `#/events/${encodeURIComponent(d.event_id)}/call`, title: 'The call\'s timeline', text: d.event_type })),
      h('td', { text: d.connector }),
      h('td', {}, badge(d.status)),
      h('td', { class: 'num', text: d.attempt_count }),
      h('td', { text: when(d.updated_at) }));
  });
  const replaySelected = h('button', { type: 'button', id: 'replay-selected', text: 'Replay selected' });
  replaySelected.addEventListener('click', () => act(replaySelected, async () => {
    const ids = checks.filter((c) => c.checked).map((c) => c.value);
    if (!ids.length) throw new Error('Select deliveries to replay first.');
    for (const id of ids) await api('POST', `/v1/deliveries/${encodeURIComponent(id)}/replay`);
    toast(`Replayed ${ids.length} deliveries.`);
    render();
  }));
  const refresh = h('button', { type: 'button', id: 'refresh', text: 'Refresh', onclick: () => render() });
  const older = page.next_cursor
    ? h('a', { class: 'button', href: `#/deliveries?${new URLSearchParams({ ...Object.fromEntries(q), cursor: page.next_cursor })}`, text: 'Older →' })
    : null;
  const table = h('table', { id: 'deliveries' },
    h('thead', {}, h('tr', {}, ['', 'Delivery', 'Event', 'Connector', 'Status', 'Attempts', 'Updated'].map((t) => h('th', { text: t })))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted', text: 'No deliveries match.' }))));
  return [h('h1', { text: 'Deliveries' }), filtersForm(params, connectors.data.map((c) => c.name)),
    h('div', { class: 'actions toolbar' }, replaySelected, refresh, older),
    table, bulkReplayForm(params)];
}

function bulkReplayForm(params) {
  const since = h('input', { id: 'bulk-since', type: 'datetime-local', required: true });
  const button = h('button', { type: 'submit', text: 'Replay all matching' });
  const form = h('form', { class: 'row', id: 'bulk-replay' },
    h('div', {}, h('label', { text: 'Created since (your time)' }), since), button);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(button, async () => {
      const body = { since: new Date(since.value).toISOString() };
      if (params.get('status')) body.status = params.get('status');
      if (params.get('connector')) body.connector = params.get('connector');
      const r = await api('POST', '/v1/replay', body);
      toast(`Replayed ${r.replayed} deliveries.`);
      render();
    });
  });
  return [h('h2', { text: 'Bulk replay (status and connector filters apply)' }), form];
}

// The request an attempt sent (non-webhook kinds), as the API keeps it:
// secrets already masked by the hub, the body cut to its first 4 KiB.
function sentRequestRow(number, r) {
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n');
  return h('tr', { class: 'attempt-request', 'data-number': number },
    h('td', {}),
    h('td', { colspan: 6 },
      h('div', { class: 'request-title', text: `Request sent by attempt ${number}` }),
      h('pre', { class: 'request-line', text: `${r.method} ${r.url}` }),
      h('pre', { class: 'request-headers', text: headers }),
      h('pre', { class: 'request-body', text: r.body }),
      r.body_truncated ? h('div', { class: 'muted request-cut', text: 'Body cut: only its first 4 KiB are kept.' }) : null));
}

async function deliveryPage(id) {
  const d = await api('GET', `/v1/deliveries/${encodeURIComponent(id)}`);
  const event = await api('GET', `/v1/events/${encodeURIComponent(d.event_id)}`);
  const replay = h('button', { type: 'button', id: 'replay', class: 'primary', text: 'Replay' });
  replay.addEventListener('click', () => act(replay, async () => {
    await api('POST', `/v1/deliveries/${encodeURIComponent(id)}/replay`);
    toast('Replayed: a new attempt starts now.');
    // Show the new attempt as soon as it is logged.
    for (let i = 0; i < 20; i += 1) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await api('GET', `/v1/deliveries/${encodeURIComponent(id)}`);
      if (now.attempt_count > d.attempt_count && !['pending'].includes(now.status)) break;
    }
    render();
  }));
  const attempts = d.attempts.flatMap((a) => [h('tr', { class: 'attempt-row', 'data-number': a.number },
    h('td', { class: 'num', text: a.number }),
    h('td', { text: when(a.started_at) }),
    h('td', { class: 'num', text: `${a.duration_ms} ms` }),
    h('td', { class: 'num', text: a.status_code ?? '—' }),
    h('td', { text: a.error || '' }),
    h('td', {}, a.response_excerpt ? h('pre', { text: a.response_excerpt }) : ''),
    h('td', { class: 'mono', text: a.node })),
  a.request ? sentRequestRow(a.number, a.request) : null]);
  return [
    h('h1', {}, 'Delivery ', h('span', { class: 'mono', text: d.id })),
    h('div', { class: 'panel' }, h('dl', { class: 'facts' },
      h('dt', { text: 'Status' }), h('dd', { id: 'delivery-status' }, badge(d.status)),
      h('dt', { text: 'Event' }), h('dd', {}, h('a', { class: 'mono', href: `#/deliveries?event_id=${encodeURIComponent(d.event_id)}`, text: d.event_id }), ` (${d.event_type})`),
      event.envelope?.data?.call_id ? [h('dt', { text: 'Call' }), h('dd', {}, h('a', { class: 'mono', id: 'call-link', href: `#/calls/${encodeURIComponent(event.envelope.data.call_id)}`, text: event.envelope.data.call_id }))] : null,
      h('dt', { text: 'Connector' }), h('dd', { text: d.connector }),
      h('dt', { text: 'Attempts' }), h('dd', { id: 'attempt-count', text: d.attempt_count }),
      h('dt', { text: 'Next attempt' }), h('dd', { text: when(d.next_attempt_at) }),
      h('dt', { text: 'Created' }), h('dd', { text: when(d.created_at) }),
      d.last_error ? [h('dt', { text: 'Last error' }), h('dd', { text: d.last_error })] : null),
    h('div', { class: 'actions spaced' }, replay,
      h('button', { type: 'button', text: 'Refresh', onclick: () => render() }))),
    h('h2', { text: 'Attempts' }),
    h('table', { id: 'attempts' },
      h('thead', {}, h('tr', {}, ['#', 'Started', 'Took', 'Status', 'Error', 'Response (first 4 KiB)', 'Node'].map((t) => h('th', { text: t })))),
      h('tbody', {}, attempts.length ? attempts : h('tr', {}, h('td', { colspan: 7, class: 'muted', text: 'Not attempted yet.' })))),
    h('h2', { text: 'The event envelope (a webhook\'s body; other kinds map it with their template and show each attempt\'s request above)' }),
    h('pre', { id: 'envelope', class: 'tall', text: JSON.stringify(event.envelope, null, 2) }),
  ];
}

// ---- router ---------------------------------------------------------------

async function render(message) {
  const nav = document.getElementById('nav');
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    nav.hidden = true;
    main().replaceChildren(...loginPage(message));
    document.getElementById('login-token').focus();
    return;
  }
  nav.hidden = false;
  const { parts, params } = parseHash();
  try {
    let page;
    if (parts[0] === 'calls' && parts[1]) page = await callPage(decodeURIComponent(parts[1]));
    else if (parts[0] === 'calls') page = await callsPage(params);
    else if (parts[0] === 'events' && parts[2] === 'call') page = await callOfEvent(decodeURIComponent(parts[1]));
    else if (parts[0] === 'deliveries' && parts[1]) page = await deliveryPage(decodeURIComponent(parts[1]));
    else if (parts[0] === 'deliveries') page = await deliveriesPage(params);
    else page = await connectorsPage();
    main().replaceChildren(...page.flat());
  } catch (e) {
    if (e instanceof Unauthorized) { logout('Your token was refused; log in again.'); return; }
    main().replaceChildren(h('h1', { text: 'Something went wrong' }), h('p', { class: 'error', text: e.message }));
  }
}

window.addEventListener('hashchange', () => render());
window.addEventListener('DOMContentLoaded', () => {
  document.getElementById('logout').addEventListener('click', () => logout());
  render();
});
