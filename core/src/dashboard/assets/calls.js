// Switchboard dashboard: calls. Finding a call by the caller's phone number
// (any common format), email address or call id, and a call's timeline:
// its events in time order, each with its deliveries, and the functions the
// agent invoked (GET /v1/calls, GET /v1/calls/{call_id}). Uses the helpers
// of app.js (h, api, badge, when), loaded before this file.
'use strict';

// What the operator typed, as the API's search parameter.
function callQuery(text) {
  const t = text.trim();
  if (t.includes('@')) return { email: t };
  if (/^[+\d(][\d\s().\-/]*$/.test(t) && t.replace(/\D/g, '').length >= 7) return { phone: t };
  return { call_id: t };
}

const callHref = (id) => `#/calls/${encodeURIComponent(id)}`;

function callSearchForm(value) {
  const input = h('input', {
    id: 'call-search', type: 'search', value: value || '', size: 36, required: true,
    placeholder: '+1 555 123 4567, jordan@example.com or call_…', 'aria-label': 'Phone, email or call id',
  });
  const form = h('form', { class: 'row', id: 'call-search-form', role: 'search' },
    h('div', {}, h('label', { for: 'call-search', text: 'Phone number, email or call id' }), input),
    h('button', { type: 'submit', class: 'primary', id: 'call-search-submit', text: 'Find calls' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/calls?q=${encodeURIComponent(input.value.trim())}`;
  });
  return form;
}

async function callsPage(params) {
  const q = params.get('q') || '';
  const page = [h('h1', { text: 'Calls' }), callSearchForm(q)];
  if (!q) {
    page.push(h('p', { class: 'muted', id: 'calls-empty', text: 'Find a call by the caller\'s phone number (any format), email, or the call id.' }));
    return page;
  }
  const found = await api('GET', `/v1/calls?${new URLSearchParams(callQuery(q))}`);
  const rows = found.data.map((c) => h('tr', { class: 'call-row', 'data-call': c.call_id },
    h('td', {}, h('a', { class: 'mono', href: callHref(c.call_id), text: c.call_id })),
    h('td', { class: 'num', text: c.events }),
    h('td', { text: when(c.first_event_at) }),
    h('td', { text: when(c.last_event_at) })));
  page.push(h('table', { id: 'calls' },
    h('thead', {}, h('tr', {}, ['Call', 'Events', 'First event', 'Latest event'].map((t) => h('th', { text: t })))),
    h('tbody', {}, rows.length ? rows
      : h('tr', {}, h('td', { colspan: 4, class: 'muted', id: 'calls-none', text: `No calls match ${q}.` })))));
  return page;
}

function deliveryLine(d) {
  const last = d.attempts.length ? d.attempts[d.attempts.length - 1] : null;
  return h('tr', { class: 'call-delivery', 'data-connector': d.connector, 'data-status': d.status },
    h('td', {}, h('a', { href: `#/deliveries/${encodeURIComponent(d.id)}`, text: d.connector })),
    h('td', {}, badge(d.status)),
    h('td', { class: 'num', text: d.attempt_count }),
    h('td', { class: 'num', text: last?.status_code ?? '—' }),
    h('td', { text: d.last_error || '' }));
}

function eventItem(e) {
  const deliveries = e.deliveries.length
    ? h('table', { class: 'call-deliveries' },
      h('thead', {}, h('tr', {}, ['Connector', 'Status', 'Attempts', 'Last answer', 'Last error'].map((t) => h('th', { text: t })))),
      h('tbody', {}, e.deliveries.map(deliveryLine)))
    : h('p', { class: 'muted small', text: 'No connector takes this event.' });
  return h('li', { class: 'call-event', 'data-event': e.id, 'data-type': e.type },
    h('div', { class: 'call-when', text: when(e.created) }),
    h('div', { class: 'call-what' }, h('strong', { text: e.type }), ' ',
      h('a', { class: 'mono small', href: `#/deliveries?event_id=${encodeURIComponent(e.id)}`, text: e.id })),
    deliveries);
}

function invocationItem(i) {
  const ok = i.outcome === 'ok';
  return h('li', { class: 'call-invocation', 'data-invocation': i.id, 'data-outcome': i.outcome },
    h('div', { class: 'call-when', text: when(i.started_at) }),
    h('div', { class: 'call-what' }, h('strong', { text: `${i.function}()` }), ' ',
      badge(ok ? 'succeeded' : 'failed'), ` ${i.outcome} · ${i.duration_ms} ms`),
    ok ? null : h('div', { class: 'muted small', text: i.error || '' }));
}

async function callPage(id) {
  const call = await api('GET', `/v1/calls/${encodeURIComponent(id)}`);
  // Events by their `created`, invocations by when they started.
  const items = [
    ...call.events.map((e) => ({ at: Date.parse(e.created), node: eventItem(e) })),
    ...call.invocations.map((i) => ({ at: Date.parse(i.started_at), node: invocationItem(i) })),
  ].sort((a, b) => a.at - b.at).map((x) => x.node);
  return [
    h('h1', {}, 'Call ', h('span', { class: 'mono', id: 'call-id', text: call.call_id })),
    callSearchForm(''),
    h('ol', { class: 'timeline', id: 'timeline' }, items),
    h('div', { class: 'actions spaced' }, h('button', { type: 'button', id: 'refresh', text: 'Refresh', onclick: () => render() })),
  ];
}

// `#/events/{id}/call`: the call of an event (the delivery log links here).
async function callOfEvent(eventId) {
  const event = await api('GET', `/v1/events/${encodeURIComponent(eventId)}`);
  const callId = event.envelope?.data?.call_id;
  if (!callId) return [h('p', { class: 'muted', text: `Event ${eventId} names no call.` })];
  location.replace(callHref(callId));
  return [];
}
