/**
 * `report profile`: where the time goes, from span timestamps only (observability-reference.md: never from
 * metrics). Per workflow (root span) and per node: executions, duration p50 / p95 / max, self time (not covered by
 * child spans), LLM share (time covered by model-call spans), and which node is each trace's bottleneck.
 */
import { isRootSpan, toHex } from '../otlp/index.js';
import type { Span } from '../otlp/index.js';
import { decodeObject, recognizeSpan, stringField } from '../recognition/index.js';
import { coveredLength, percentile } from './intervals.js';
import type { Interval } from './intervals.js';
import type { Cell, Column, Report } from './output/report.js';
import type { ReportTrace } from './trace.js';

interface TimedSpan {
  span: Span;
  start: number;
  end: number;
  children: TimedSpan[];
  isLlm: boolean;
}

export interface TimingStats {
  durations: number[];
  selfMs: number;
  llmMs: number;
  totalMs: number;
}

interface BottleneckStats {
  traces: number;
  shareSum: number;
}

function emptyStats(): TimingStats {
  return { durations: [], selfMs: 0, llmMs: 0, totalMs: 0 };
}

/** The LangGraph node a span is: its inherited `metadata.langgraph_node` names the span itself. */
function langgraphNodeName(span: Span): string | undefined {
  const metadata = span.attributes.find((attribute) => attribute.key === 'metadata');
  if (metadata === undefined) return undefined;
  const node = stringField(decodeObject(metadata.value), 'langgraph_node');
  return node === span.name ? node : undefined;
}

/** Times in ms from the trace's earliest start: nanosecond epochs exceed 2^53, differences do not. */
function buildTree(spans: readonly Span[]): TimedSpan[] {
  if (spans.length === 0) return [];
  const base = spans.reduce((min, span) => (span.startTimeUnixNano < min ? span.startTimeUnixNano : min), spans[0]!.startTimeUnixNano);
  const timed = spans.map(
    (span): TimedSpan => ({
      span,
      start: Number(span.startTimeUnixNano - base) / 1e6,
      end: Number((span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano : span.startTimeUnixNano) - base) / 1e6,
      children: [],
      isLlm: recognizeSpan(span) !== undefined,
    }),
  );
  const byId = new Map(timed.map((entry) => [toHex(entry.span.spanId), entry]));
  for (const entry of timed) {
    if (!isRootSpan(entry.span)) byId.get(toHex(entry.span.parentSpanId))?.children.push(entry);
  }
  return timed;
}

function llmIntervals(entry: TimedSpan, into: Interval[] = []): Interval[] {
  for (const child of entry.children) {
    if (child.isLlm) into.push([child.start, child.end]);
    else llmIntervals(child, into);
  }
  return into;
}

function measure(entry: TimedSpan, stats: TimingStats): number {
  const duration = entry.end - entry.start;
  stats.durations.push(duration);
  stats.totalMs += duration;
  stats.selfMs += duration - coveredLength(entry.children.map((child): Interval => [child.start, child.end]), entry.start, entry.end);
  stats.llmMs += entry.isLlm ? duration : coveredLength(llmIntervals(entry), entry.start, entry.end);
  return duration;
}

export class ProfileAggregator {
  readonly workflows = new Map<string, TimingStats>();
  /** Keyed by workflow and node. */
  readonly nodes = new Map<string, { workflow: string; node: string; stats: TimingStats }>();
  readonly bottlenecks = new Map<string, { workflow: string; node: string; stats: BottleneckStats }>();
  traces = 0;

  add(trace: ReportTrace): void {
    const timed = buildTree(trace.spans);
    const root = timed.find((entry) => isRootSpan(entry.span));
    if (root === undefined) return; // still in progress: its duration is not known yet
    this.traces += 1;
    let workflowStats = this.workflows.get(trace.workflow);
    if (workflowStats === undefined) this.workflows.set(trace.workflow, (workflowStats = emptyStats()));
    const traceDuration = measure(root, workflowStats);

    const langgraphNodes = timed.filter((entry) => langgraphNodeName(entry.span) !== undefined);
    // Outside LangGraph, a workflow's steps are the root's children.
    const nodes = langgraphNodes.length > 0 ? langgraphNodes : root.children;
    const wallByNode = new Map<string, number>();
    for (const entry of nodes) {
      const name = entry.span.name;
      const key = `${trace.workflow}\u0000${name}`;
      let node = this.nodes.get(key);
      if (node === undefined) this.nodes.set(key, (node = { workflow: trace.workflow, node: name, stats: emptyStats() }));
      // A node that ran several times in one trace is one candidate bottleneck with its summed time.
      wallByNode.set(name, (wallByNode.get(name) ?? 0) + measure(entry, node.stats));
    }
    const [bottleneck] = [...wallByNode].sort((a, b) => b[1] - a[1]);
    if (bottleneck === undefined || traceDuration <= 0) return;
    const key = `${trace.workflow}\u0000${bottleneck[0]}`;
    let entry = this.bottlenecks.get(key);
    if (entry === undefined) this.bottlenecks.set(key, (entry = { workflow: trace.workflow, node: bottleneck[0], stats: { traces: 0, shareSum: 0 } }));
    entry.stats.traces += 1;
    entry.stats.shareSum += bottleneck[1] / traceDuration;
  }
}

const TIMING_COLUMNS: Column[] = [
  { key: 'runs', header: 'runs', kind: 'int' },
  { key: 'p50_ms', header: 'p50', kind: 'ms' },
  { key: 'p95_ms', header: 'p95', kind: 'ms' },
  { key: 'max_ms', header: 'max', kind: 'ms' },
  { key: 'total_ms', header: 'total', kind: 'ms' },
  { key: 'self_ms', header: 'self', kind: 'ms' },
  { key: 'llm_share', header: 'LLM share', kind: 'share' },
];

export function timingCells(stats: TimingStats): Record<string, Cell> {
  const sorted = [...stats.durations].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    p50_ms: percentile(sorted, 50),
    p95_ms: percentile(sorted, 95),
    max_ms: sorted.at(-1) ?? 0,
    total_ms: stats.totalMs,
    self_ms: stats.selfMs,
    llm_share: stats.totalMs > 0 ? stats.llmMs / stats.totalMs : 0,
  };
}

export function profileReport(profile: ProfileAggregator, summary: Report['summary']): Report {
  const workflows = [...profile.workflows].sort((a, b) => b[1].totalMs - a[1].totalMs);
  const nodes = [...profile.nodes.values()].sort((a, b) => b.stats.totalMs - a.stats.totalMs);
  const bottlenecks = [...profile.bottlenecks.values()].sort((a, b) => b.stats.traces - a.stats.traces || b.stats.shareSum - a.stats.shareSum);
  return {
    summary: { ...summary, traces_profiled: profile.traces },
    sections: [
      {
        title: 'Workflows',
        columns: [{ key: 'workflow', header: 'workflow', kind: 'text' }, ...TIMING_COLUMNS],
        rows: workflows.map(([workflow, stats]) => ({ workflow, ...timingCells(stats) })),
      },
      {
        title: 'Nodes',
        columns: [{ key: 'workflow', header: 'workflow', kind: 'text' }, { key: 'node', header: 'node', kind: 'text' }, ...TIMING_COLUMNS],
        rows: nodes.map((entry) => ({ workflow: entry.workflow, node: entry.node, ...timingCells(entry.stats) })),
      },
      {
        title: 'Bottlenecks',
        columns: [
          { key: 'rank', header: '#', kind: 'int' },
          { key: 'workflow', header: 'workflow', kind: 'text' },
          { key: 'node', header: 'node', kind: 'text' },
          { key: 'traces', header: 'slowest in traces', kind: 'int' },
          { key: 'mean_share', header: 'mean share of trace', kind: 'share' },
        ],
        rows: bottlenecks.map((entry, index) => ({
          rank: index + 1,
          workflow: entry.workflow,
          node: entry.node,
          traces: entry.stats.traces,
          mean_share: entry.stats.shareSum / entry.stats.traces,
        })),
      },
    ],
  };
}
