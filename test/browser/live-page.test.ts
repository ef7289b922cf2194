/**
 * The live page in a real headless Chromium while the LangGraph app's traffic flows through tokenmeter: the numbers
 * it shows must be the ledger's. Leaves a screenshot in test-results/live-page.png.
 * Chromium is Debian's (test/harness/setup-browser.sh, run by `npm test`), driven by playwright-core.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTracesProtobuf } from '../../src/otlp/index.js';
import { attributes, makeSpan, tracesData } from '../../src/recognition/testSpans.js';
import { repoRoot } from '../harness/paths.js';
import { runLanggraphApp } from '../harness/python-app.js';
import type { AppRun } from '../harness/python-app.js';
import { readLedger, startLedgerSidecar, waitFor } from '../e2e/ledger-sidecar.js';
import type { LedgerCallRow, LedgerSidecar, LedgerTraceRow } from '../e2e/ledger-sidecar.js';

const screenshotPath = path.join(repoRoot, 'test-results', 'live-page.png');
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
/** How the page writes dollars. */
const usd = (amount: number) => `$${amount >= 1 ? amount.toFixed(2) : amount.toFixed(6)}`;
/** What a call cost: the reported amount where there is one, else the ledger's price. */
const spend = (row: LedgerCallRow) => row.reported_cost_usd ?? row.cost_usd ?? 0;

/** A model no catalog prices, whose calls' instrumentation reports what they cost (OpenInference's `llm.cost.*`). */
const REPORTED_MODEL = 'acme-hosted-llm-9';
const REPORTED_USD = 0.00042;

/** One trace of one call of REPORTED_MODEL, as OpenInference's instrumentors send it. */
async function postReportedCall(otlpUrl: string): Promise<void> {
  const root = makeSpan({ trace: 'reported-page', id: 'root', name: 'reported_workflow', start: new Date().toISOString(), attributes: attributes({ 'openinference.span.kind': 'CHAIN' }) });
  const call = makeSpan({
    trace: 'reported-page',
    id: 'call',
    parent: 'root',
    name: 'ChatCompletion',
    start: new Date().toISOString(),
    attributes: attributes({
      'openinference.span.kind': 'LLM',
      'llm.model_name': REPORTED_MODEL,
      'llm.token_count.prompt': 300,
      'llm.token_count.completion': 40,
      'llm.cost.total': REPORTED_USD,
    }),
  });
  const response = await fetch(otlpUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: encodeTracesProtobuf(tracesData([call, root])) });
  expect(response.status).toBe(200);
}

/** One trace of one call of a model no catalog prices, reporting no cost either. */
async function postUnpricedCall(otlpUrl: string): Promise<void> {
  const root = makeSpan({ trace: 'unpriced-page', id: 'root', name: 'unpriced_workflow', start: new Date().toISOString(), attributes: attributes({ 'openinference.span.kind': 'CHAIN' }) });
  const call = makeSpan({
    trace: 'unpriced-page',
    id: 'call',
    parent: 'root',
    name: 'ChatCompletion',
    start: new Date().toISOString(),
    attributes: attributes({ 'openinference.span.kind': 'LLM', 'llm.model_name': UNPRICED_MODEL, 'llm.token_count.prompt': 30, 'llm.token_count.completion': 4 }),
  });
  const response = await fetch(otlpUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: encodeTracesProtobuf(tracesData([call, root])) });
  expect(response.status).toBe(200);
}

const UNPRICED_MODEL = 'acme-unlisted-llm-3';

describe('live page', () => {
  let sidecar: LedgerSidecar;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  let runs: AppRun[];
  let calls: LedgerCallRow[];
  let traces: LedgerTraceRow[];

  beforeAll(async () => {
    sidecar = await startLedgerSidecar();
    userDataDir = mkdtempSync(path.join(tmpdir(), 'tokenmeter-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 1100 },
    });
    page = await context.newPage();
    await page.goto(sidecar.adminUrl);
    await page.locator('#status[data-state="live"]').waitFor();

    // Traffic flows while the page is open: everything below reaches it through /v1/live.
    runs = await runLanggraphApp({ endpoint: sidecar.otlpTracesUrl, runs: 3, threadId: 'thread-page', strictExport: true });
    await postReportedCall(sidecar.otlpTracesUrl);
    const expectedCalls = sum(runs.map((run) => run.usages.length)) + 1;
    const expectedTraces = runs.length + 1;
    ({ calls, traces } = await waitFor('the ledger to hold every call and trace', () => {
      const ledger = readLedger(sidecar.ledgerPath);
      return ledger.calls.length === expectedCalls && ledger.traces.length === expectedTraces ? ledger : undefined;
    }));
    await waitFor('the page to show every call and trace', async () => {
      const shownCalls = await page.locator('#total-calls').textContent();
      const shownTraces = await page.locator('#recent-traces tr').count();
      const shownTotal = await page.locator('#total-cost').getAttribute('data-usd');
      const ledgerTotal = sum(readLedger(sidecar.ledgerPath).traces.map((trace) => trace.cost_usd));
      return shownCalls === String(expectedCalls) && shownTraces === expectedTraces && Math.abs(Number(shownTotal) - ledgerTotal) < 1e-12 ? true : undefined;
    });
    ({ calls, traces } = readLedger(sidecar.ledgerPath));
    mkdirSync(path.dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    const code = await sidecar?.process.stop();
    expect(code).toBe(0);
  });

  it('shows the ledger’s total spend, calls and traces, a reported cost counted as reported', async () => {
    const reported = calls.find((row) => row.model === REPORTED_MODEL);
    expect(reported).toMatchObject({ status: 'provider_reported', cost_usd: null, reported_cost_usd: REPORTED_USD });
    const total = sum(calls.map(spend));
    expect(total).toBeCloseTo(sum(traces.map((trace) => trace.cost_usd)), 12);
    expect(await page.locator('#total-cost').textContent()).toBe(usd(total));
    expect(await page.locator('#total-calls').textContent()).toBe(String(calls.length));
    expect(await page.locator('#total-traces').textContent()).toBe(String(traces.length));
    expect(await page.locator('#total-unpriced').textContent()).toBe('0');
    expect(await page.locator('#unpriced').isHidden()).toBe(true);
    expect(sum(await page.locator('#per-minute .bar').evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute('data-usd')))))).toBeCloseTo(total, 12);
  });

  it('ranks models and nodes by the ledger’s cost', async () => {
    const shown = async (tbody: string) =>
      page.locator(`${tbody} tr`).evaluateAll((rows) =>
        rows.map((row) => ({ name: row.getAttribute('data-name'), usd: Number(row.lastElementChild?.getAttribute('data-usd')) })),
      );
    const ledgerBy = (key: 'model' | 'node') => {
      const totals = new Map<string, number>();
      // The page names a call without a node or model `unknown`.
      for (const row of calls) totals.set(row[key] ?? 'unknown', (totals.get(row[key] ?? 'unknown') ?? 0) + spend(row));
      return [...totals].sort((a, b) => b[1] - a[1]);
    };
    for (const [tbody, key] of [['#top-models', 'model'], ['#top-nodes', 'node']] as const) {
      const rows = await shown(tbody);
      expect(rows.map((row) => row.name)).toEqual(ledgerBy(key).map(([name]) => name));
      rows.forEach((row, index) => expect(row.usd).toBeCloseTo(ledgerBy(key)[index]![1], 12));
    }
    const workflows = await shown('#top-workflows');
    expect(workflows.map((row) => row.name).sort()).toEqual(['reported_workflow', 'tokenmeter_test_workflow']);
    for (const workflow of workflows) {
      expect(workflow.usd).toBeCloseTo(sum(traces.filter((trace) => trace.workflow === workflow.name).map((trace) => trace.cost_usd)), 12);
    }
  });

  it('lists each recent trace with its ledger cost and bottleneck', async () => {
    for (const trace of traces) {
      const row = page.locator(`#recent-traces tr[data-trace-id="${trace.trace_id}"]`);
      expect(Number(await row.locator('td').last().getAttribute('data-usd'))).toBeCloseTo(trace.cost_usd, 12);
      expect(await row.locator('td').last().textContent()).toBe(usd(trace.cost_usd));
      expect(await row.locator('td').nth(5).textContent()).toContain(trace.bottleneck_node ?? '');
    }
    expect(runs.map((run) => run.trace_id).sort()).toEqual(traces.filter((trace) => trace.workflow !== 'reported_workflow').map((trace) => trace.trace_id).sort());
  });

  it('showed every call live as it came, with what it cost', async () => {
    expect(await page.locator('#live-calls li').count()).toBe(calls.length);
    const shown = await page.locator('#live-calls li').evaluateAll((items) => items.map((item) => [item.children[1]?.textContent, item.lastElementChild?.textContent]));
    expect(shown.filter(([model]) => model === REPORTED_MODEL)).toEqual([[REPORTED_MODEL, usd(REPORTED_USD)]]);
    expect(shown.filter(([model]) => model !== REPORTED_MODEL).map(([, cost]) => cost).sort()).toEqual(
      calls.filter((row) => row.model !== REPORTED_MODEL).map((row) => usd(row.cost_usd!)).sort(),
    );
  });

  // Last: the page shows no unpriced calls before it.
  it('shows a model and a workflow none of whose calls is priced as unpriced, not $0', async () => {
    await postUnpricedCall(sidecar.otlpTracesUrl);
    const row = (tbody: string, name: string) => page.locator(`${tbody} tr[data-name="${name}"]`);
    await waitFor('the page to list the unpriced model and workflow', async () =>
      (await row('#top-models', UNPRICED_MODEL).count()) === 1 && (await row('#top-workflows', 'unpriced_workflow').count()) === 1 ? true : undefined,
    );
    for (const shown of [row('#top-models', UNPRICED_MODEL), row('#top-workflows', 'unpriced_workflow')]) {
      expect(await shown.locator('td').last().textContent()).toBe('unpriced');
      expect(await shown.locator('td').last().getAttribute('data-usd')).toBeNull();
      expect(await shown.locator('td').nth(-2).textContent()).toBe('1 (1 unpriced)');
    }
    // A workflow's runs apart from its calls.
    expect(await row('#top-workflows', 'unpriced_workflow').locator('td').nth(1).textContent()).toBe('1');
  });
});
