/**
 * The live page's script, plain browser JavaScript: it renders `/v1/summary` and refreshes it whenever
 * `/v1/live` reports a new call or trace, so the numbers on the page are always the ledger's.
 */
export const livePageScript = String.raw`(function () {
  'use strict';
  var FEED_MAX = 30;
  var refreshTimer = null;

  function byId(id) { return document.getElementById(id); }

  function usd(amount) {
    if (amount === null || amount === undefined) return 'unpriced';
    return '$' + (amount >= 1 ? amount.toFixed(2) : amount.toFixed(6));
  }

  function duration(ms) { return ms >= 1000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms) + ' ms'; }

  function cell(text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function costCell(amount) {
    var td = cell(usd(amount), amount === null ? 'num unpriced' : 'num');
    if (amount !== null) td.dataset.usd = String(amount);
    return td;
  }

  function fillRows(tbodyId, rows, toCells) {
    var tbody = byId(tbodyId);
    tbody.replaceChildren();
    rows.forEach(function (row) {
      var tr = document.createElement('tr');
      if (row.name !== undefined) tr.dataset.name = row.name;
      toCells(row).forEach(function (td) { tr.appendChild(td); });
      tbody.appendChild(tr);
    });
  }

  /** Calls, and how many of them have no price: a row's cost leaves those out, or is unpriced when all are. */
  function callsCell(calls, unpricedCalls) {
    return cell(String(calls) + (unpricedCalls > 0 ? ' (' + unpricedCalls + ' unpriced)' : ''), unpricedCalls > 0 ? 'num unpriced' : 'num');
  }

  function spendRows(row) { return [cell(row.name), callsCell(row.calls, row.unpricedCalls), costCell(row.costUsd)]; }
  function workflowRows(row) { return [cell(row.name), cell(String(row.runs), 'num'), callsCell(row.calls, row.unpricedCalls), costCell(row.costUsd)]; }

  function render(summary) {
    var totals = summary.totals;
    var total = byId('total-cost');
    total.textContent = usd(totals.costUsd);
    total.dataset.usd = String(totals.costUsd);
    byId('total-calls').textContent = String(totals.calls);
    byId('total-traces').textContent = String(totals.traces);
    byId('total-tokens').textContent = totals.tokens.toLocaleString('en-US');
    byId('total-unpriced').textContent = String(totals.unpricedCalls);
    byId('unpriced-card').dataset.flagged = String(totals.unpricedCalls > 0);
    var minutes = Math.round(summary.windowMs / 60000);
    byId('window-label').textContent = minutes === 60 ? 'last hour' : 'last ' + minutes + ' min';

    var chart = byId('per-minute');
    var peak = Math.max.apply(null, summary.perMinute.map(function (m) { return m.costUsd; }).concat([0]));
    chart.replaceChildren();
    summary.perMinute.forEach(function (minute) {
      var bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.height = (peak > 0 ? (100 * minute.costUsd) / peak : 0) + '%';
      bar.title = new Date(minute.minuteMs).toLocaleTimeString() + ': ' + usd(minute.costUsd);
      bar.dataset.usd = String(minute.costUsd);
      chart.appendChild(bar);
    });

    fillRows('top-models', summary.topModels, function (row) {
      return [cell(row.name + (row.provider ? ' (' + row.provider + ')' : '')), callsCell(row.calls, row.unpricedCalls), costCell(row.costUsd)];
    });
    fillRows('top-workflows', summary.topWorkflows, workflowRows);
    fillRows('top-nodes', summary.topNodes, spendRows);
    fillRows('recent-traces', summary.recentTraces, function (trace) {
      var bottleneck = trace.bottleneckNode
        ? trace.bottleneckNode + (trace.bottleneckShare !== null ? ' (' + Math.round(trace.bottleneckShare * 100) + '%)' : '')
        : '–';
      return [
        cell(new Date(trace.endMs).toLocaleTimeString()),
        cell(trace.workflow + (trace.status === 'error' ? ' ✗' : '')),
        cell(trace.service || '–', 'muted'),
        callsCell(trace.calls, trace.unpricedCalls),
        cell(duration(trace.durationMs), 'num'),
        cell(bottleneck),
        costCell(trace.costUsd),
      ];
    });
    Array.prototype.forEach.call(byId('recent-traces').rows, function (tr, index) {
      tr.dataset.traceId = summary.recentTraces[index].traceId;
    });

    byId('unpriced').hidden = summary.unpricedModels.length === 0;
    fillRows('unpriced-models', summary.unpricedModels, function (row) {
      return [cell(row.model || 'unknown', 'unpriced'), cell(row.provider || '–'), cell(String(row.calls), 'num'), cell(row.reason || '')];
    });
    document.body.dataset.renderedAt = String(summary.nowMs);
  }

  function refresh() {
    fetch('/v1/summary', { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(render)
      .catch(function (error) { byId('status').textContent = 'summary unavailable: ' + error.message; });
  }

  function scheduleRefresh() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; refresh(); }, 200);
  }

  function addToFeed(call) {
    var li = document.createElement('li');
    [new Date(call.recordedMs).toLocaleTimeString(), call.model || 'unknown', call.node || '', call.service || ''].forEach(function (text, index) {
      var span = document.createElement('span');
      span.textContent = text;
      if (index > 1) span.className = 'muted';
      li.appendChild(span);
    });
    // What the call cost: the provider's own amount when it reported one (the ledger's spendOf). Events replayed from
    // before the ledger kept it have no such field.
    var spend = typeof call.reportedCostUsd === 'number' ? call.reportedCostUsd : call.costUsd;
    var cost = document.createElement('span');
    cost.className = 'cost' + (spend === null ? ' unpriced' : '');
    cost.textContent = usd(spend);
    li.appendChild(cost);
    var feed = byId('live-calls');
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastChild);
  }

  function connect() {
    var status = byId('status');
    var source = new EventSource('/v1/live');
    source.onopen = function () { status.dataset.state = 'live'; status.textContent = '● live'; refresh(); };
    source.onerror = function () { status.dataset.state = 'reconnecting'; status.textContent = 'reconnecting…'; };
    source.addEventListener('call', function (event) { addToFeed(JSON.parse(event.data)); scheduleRefresh(); });
    source.addEventListener('trace', scheduleRefresh);
  }

  refresh();
  connect();
  // The window slides even when nothing happens.
  setInterval(refresh, 30000);
})();
`;
