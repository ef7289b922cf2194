/**
 * What pricing costs the running sidecar. The sidecar runs in a child process as `npm start` runs it (built, then
 * `node dist/src/cli/main.js serve`), on the two pipelines `npm start` runs: its default (OTLP/HTTP receiver →
 * CostEstimator → trace assembly → ledger) and the one with MLflow set (the MLflow exporter beside the ledger, its
 * durable queue on disk), admin listener on, alternately with the CostEstimator and without it. This process sends
 * it the LangGraph mix (MLflow 3's export of LangGraph agent runs, 2 spans in 9 model calls) over OTLP/HTTP protobuf,
 * REQUEST_SPANS spans per request. The MLflow exporter sends to a local sink that answers 200 at once (not MLflow), so
 * the figures are tokenmeter's own.
 *
 * Both figures come from the child alone (the load generator's work is not in them):
 *  - its CPU time per span, all its threads (the main one and the workers checkpointing its SQLite files), from its
 *    own `tokenmeter_process_cpu_seconds_total` before and after the measured requests and the work they leave
 *    queued (MLflow's batches, and its trace tags and cost feedback, which fall behind under this load and are sent
 *    afterwards). The difference between the two pipelines is everything pricing brings on: recognising and pricing
 *    each call, and what the rest of the sidecar does with a priced call (its attributes encoded and stored, its
 *    ledger row, the trace's breakdowns and cost feedback);
 *  - its CPU profile (`node --cpu-prof`), split by component: a sample counts for the innermost tokenmeter function on
 *    its stack outside the recognition and pricing libraries (those count for their caller), so SQLite statements
 *    count for the component that runs them. The profiler samples the main thread (the workers' profiles are left
 *    out) whether it computes or waits in a blocking call (SQLite's writes), so a share is of the main thread's busy
 *    time, which is close to, not exactly, CPU. The CostEstimator's line is pricing itself, as it shows in the
 *    sidecar's profile.
 * The child is not pinned to a core and shares the machine with the load generator (and the profiler's own cost):
 * compare the two pipelines of one run, not figures across machines.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTracesProtobuf } from '../../src/otlp/index.js';
import type { TracesData } from '../../src/otlp/index.js';
import { getFreePort } from '../harness/ports.js';
import { langGraphMix } from './support/langGraphTraffic.js';
import { postOtlp, startSink } from './support/otlpHttp.js';

const REQUEST_SPANS = 504;
const WARMUP_REQUESTS = 60;
const MEASURED_REQUESTS = 400;
const IN_FLIGHT = 4;
/** Versions of the batch with other token counts, taken in turn. */
const VARIANTS = 16;
const ROUNDS = 2;

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Sidecar {
  child: ChildProcess;
  otlpPort: number;
  adminUrl: string;
}

/** One of the two pipelines `npm start` runs: the embedded default, or with `MLFLOW_TRACKING_URI` set. */
interface Pipeline {
  title: string;
  /** The MLflow exporter's endpoint, or undefined for the ledger alone. */
  mlflowUrl: string | undefined;
}

async function startSidecar(directory: string, pipeline: Pipeline, withPricing: boolean, nodeOptions: string[]): Promise<Sidecar> {
  const otlpPort = await getFreePort();
  const adminPort = await getFreePort();
  const config = {
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
    processors: { ...(withPricing ? { costestimator: {} } : {}), traceassembly: {} },
    exporters: {
      ledger: { path: path.join(directory, 'tokenmeter.db') },
      ...(pipeline.mlflowUrl === undefined
        ? {}
        : {
            mlflow: {
              tracking_uri: pipeline.mlflowUrl,
              experiment_id: '0',
              // Room for everything the run sends: the bench measures the work, whatever falls behind.
              sending_queue: { queue_size: 100_000, max_bytes: '2GiB' },
              feedback: { queue_size: 100_000 },
            },
          }),
    },
    admin: { endpoint: `127.0.0.1:${adminPort}` },
    service: {
      telemetry: { logs: { level: 'warn' } },
      pipelines: { traces: { receivers: ['otlp'], processors: [...(withPricing ? ['costestimator'] : []), 'traceassembly'], exporters: pipeline.mlflowUrl === undefined ? ['ledger'] : ['ledger', 'mlflow'] } },
    },
  };
  const configFile = path.join(directory, 'tokenmeter.json');
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(process.execPath, [...nodeOptions, 'dist/src/cli/main.js', 'serve', '--config', configFile], {
    cwd: repository,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`the sidecar exited with ${child.exitCode} before it was ready`);
    const ready = await fetch(`${adminUrl}/readyz`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (ready) return { child, otlpPort, adminUrl };
    if (attempt > 300) throw new Error('the sidecar was not ready within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopSidecar({ child }: Sidecar): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

async function metrics(sidecar: Sidecar): Promise<string> {
  return (await fetch(`${sidecar.adminUrl}/metrics`)).text();
}

/** The sum of a metric's samples (all label sets) in a Prometheus text exposition. */
function sampleSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const [, value] of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*${labels}[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(value);
  return sum;
}

async function cpuSeconds(sidecar: Sidecar): Promise<number> {
  const text = await metrics(sidecar);
  if (!/^tokenmeter_process_cpu_seconds_total /m.test(text)) throw new Error('the sidecar does not report tokenmeter_process_cpu_seconds_total');
  return sampleSum(text, 'tokenmeter_process_cpu_seconds_total');
}

/**
 * Waits until the sidecar has done all the work the requests it acknowledged gave it: batches still queued for
 * MLflow, and the trace name tags and cost feedback sent once MLflow has a trace, which fall behind under this load
 * (five calls per trace, two at a time). Read before that, the CPU would leave out work that pricing brings on (the
 * feedback of every trace). Throws when any trace's feedback was dropped: then part of that work was never done.
 */
async function settle(sidecar: Sidecar): Promise<void> {
  for (const deadline = Date.now() + 300_000; ; ) {
    const text = await metrics(sidecar);
    const dropped = sampleSum(text, 'tokenmeter_exporter_feedback_total', 'outcome="dropped"');
    if (dropped > 0) throw new Error(`the sidecar dropped the MLflow feedback of ${dropped} traces (feedback.queue_size): its CPU would leave that work out`);
    if (sampleSum(text, 'tokenmeter_exporter_queue_size') === 0 && sampleSum(text, 'tokenmeter_exporter_feedback_waiting_traces') === 0) return;
    if (Date.now() > deadline) throw new Error('the sidecar still had batches or feedback to send after 5 minutes');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Request `index` of the run: a version of the mix with its trace ids made new and random, as apps make them (W3C
 * trace ids are random: the SQLite indexes keyed by trace id take them in no order, each in a page of its own), and
 * its spans starting now (the ledger keeps recent rows). New ids also keep the receiver from acknowledging a repeated
 * request without processing it again.
 */
function requestBody(templates: readonly TracesData[], index: number): Uint8Array {
  const data = templates[index % templates.length]!;
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  // The template's traces differ in their last 8 bytes (its run number, right-aligned): each gets a random front.
  const fronts = new Map<string, Uint8Array>();
  for (const resourceSpans of data.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        const traceId = new Uint8Array(span.traceId);
        const run = Buffer.from(traceId.subarray(8)).toString('hex');
        let front = fronts.get(run);
        if (front === undefined) fronts.set(run, (front = randomBytes(8)));
        traceId.set(front, 0);
        span.traceId = traceId;
        const duration = span.endTimeUnixNano - span.startTimeUnixNano;
        span.startTimeUnixNano = nowNs;
        span.endTimeUnixNano = nowNs + duration;
      }
    }
  }
  return encodeTracesProtobuf(data);
}

/** Sends requests `from`…`from + count - 1` with IN_FLIGHT outstanding; every one must be acknowledged (200). */
async function send(sidecar: Sidecar, templates: readonly TracesData[], from: number, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = from;
  const lane = async () => {
    while (next < from + count) {
      const status = await postOtlp(agent, sidecar.otlpPort, requestBody(templates, next++));
      if (status !== 200) throw new Error(`the sidecar answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  agent.destroy();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where the sidecar's CPU goes, by the folder of the innermost tokenmeter function on the stack (libraries aside). */
const COMPONENTS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['CostEstimator (recognition and pricing)', ['processors/costestimator/']],
  ['OTLP receiver', ['receivers/']],
  ['OTLP codec (decode, encode)', ['otlp/']],
  ['trace assembly', ['processors/traceassembly/']],
  ['ledger (SQLite)', ['ledger/', 'exporters/ledger/']],
  ['MLflow exporter', ['exporters/']],
  ['durable storage (SQLite)', ['storage/']],
  ['other tokenmeter code', ['']],
];
/**
 * Libraries that several components call: their work counts for the caller. Recognition reads LangGraph metadata
 * for trace assembly on every span, with or without pricing; counted under the CostEstimator, it made pricing look
 * larger than it is (a quarter to a third of that line in the ledger-only pipeline).
 */
const LIBRARIES = ['recognition/', 'pricing/'];
const GARBAGE_COLLECTION = 'garbage collection';
const OUTSIDE = 'Node.js and libraries on their own (HTTP, start-up)';

/**
 * Milliseconds of CPU by component. A sample counts for the innermost function of ours on its stack (outside
 * `LIBRARIES`), so that what Node.js, V8 builtins and libraries do for a component (better-sqlite3's statements,
 * JSON.stringify, reading LangGraph metadata) is its own.
 */
function cpuByComponent(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const componentOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = componentOf.get(id);
    if (known !== undefined) return known;
    const { url, functionName } = byId.get(id)!.callFrame;
    const inSource = url.indexOf('/src/');
    let component: string;
    const file = inSource >= 0 ? url.slice(inSource + '/src/'.length) : undefined;
    if (file !== undefined && !LIBRARIES.some((library) => file.startsWith(library))) {
      component = COMPONENTS.find(([, folders]) => folders.some((folder) => file.startsWith(folder)))![0];
    } else if (functionName === '(garbage collector)') component = GARBAGE_COLLECTION;
    else {
      const parent = parentOf.get(id);
      component = parent === undefined ? OUTSIDE : classify(parent);
    }
    componentOf.set(id, component);
    return component;
  };
  const milliseconds = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const component = classify(id);
    milliseconds.set(component, (milliseconds.get(component) ?? 0) + profile.timeDeltas[index]! / 1000);
  });
  return milliseconds;
}

interface Run {
  /** CPU time per span over the measured requests, µs. */
  cpuPerSpan: number;
  /** Each component's share of the profile's busy time (the whole run: start-up and warm-up too). */
  shares: Map<string, number>;
}

/** One sidecar, profiled, warmed up, then measured; `firstRequest` keeps trace ids unique across runs. */
async function measure(pipeline: Pipeline, withPricing: boolean, templates: readonly TracesData[], firstRequest: number): Promise<Run> {
  const directory = mkdtempSync(path.join(tmpdir(), 'tokenmeter-bench-sidecar-'));
  const profiles = path.join(directory, 'profiles');
  const sidecar = await startSidecar(directory, pipeline, withPricing, ['--cpu-prof', '--cpu-prof-dir', profiles]);
  try {
    await send(sidecar, templates, firstRequest, WARMUP_REQUESTS);
    await settle(sidecar);
    const before = await cpuSeconds(sidecar);
    await send(sidecar, templates, firstRequest + WARMUP_REQUESTS, MEASURED_REQUESTS);
    await settle(sidecar);
    const after = await cpuSeconds(sidecar);
    await stopSidecar(sidecar);
    // One profile per thread (CPU.<date>.<time>.<pid>.<thread>.<n>): the main thread's is thread 0; the workers
    // checkpointing SQLite files write their own.
    const file = readdirSync(profiles).find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name));
    if (file === undefined) throw new Error('the sidecar wrote no CPU profile of its main thread');
    const byComponent = cpuByComponent(JSON.parse(readFileSync(path.join(profiles, file), 'utf8')) as CpuProfile);
    const busy = [...byComponent.values()].reduce((sum, ms) => sum + ms, 0);
    return {
      cpuPerSpan: ((after - before) * 1e6) / (MEASURED_REQUESTS * REQUEST_SPANS),
      shares: new Map([...byComponent].map(([component, ms]) => [component, ms / busy])),
    };
  } finally {
    await stopSidecar(sidecar);
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  // What `npm start` runs: the compiled JavaScript. Run through tsx instead, the same code took 12-15% more CPU per span.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repository, stdio: 'inherit' });
  const sink = await startSink();
  const templates = Array.from({ length: VARIANTS }, (_, variant) => langGraphMix(variant, REQUEST_SPANS));
  console.log(
    `tokenmeter serve under the LangGraph mix: ${REQUEST_SPANS} spans per request, ${MEASURED_REQUESTS} requests after ${WARMUP_REQUESTS} warm-up, ` +
      `${IN_FLIGHT} in flight, best of ${ROUNDS} interleaved runs each; node ${process.version}`,
  );
  let firstRequest = 0;
  for (const pipeline of [
    { title: 'npm start, embedded defaults: OTLP/HTTP → [CostEstimator] → trace assembly → ledger', mlflowUrl: undefined },
    { title: 'npm start with MLflow set: … → ledger + MLflow exporter (to a sink answering 200)', mlflowUrl: sink.url },
  ]) {
    firstRequest = await compare(pipeline, templates, firstRequest);
  }
  sink.server.close();
}

/** Measures one pipeline with and without the CostEstimator and prints the comparison; returns the next request index. */
async function compare(pipeline: Pipeline, templates: readonly TracesData[], firstRequest: number): Promise<number> {
  // The runs of the two pipelines alternate, so that a busy machine slows both alike; each keeps its cheapest run.
  const best: [Run | undefined, Run | undefined] = [undefined, undefined];
  for (let round = 0; round < ROUNDS; round++) {
    for (const withPricing of [false, true]) {
      const measured = await measure(pipeline, withPricing, templates, firstRequest);
      firstRequest += WARMUP_REQUESTS + MEASURED_REQUESTS;
      const index = withPricing ? 1 : 0;
      if (measured.cpuPerSpan < (best[index]?.cpuPerSpan ?? Infinity)) best[index] = measured;
    }
  }
  const [without, withPricing] = best as [Run, Run];
  console.log(pipeline.title);
  console.log(`  sidecar CPU per span, without the CostEstimator   ${without.cpuPerSpan.toFixed(1).padStart(6)} µs`);
  console.log(
    `  sidecar CPU per span, with it                     ${withPricing.cpuPerSpan.toFixed(1).padStart(6)} µs  ` +
      `(pricing and what it brings on: ${((1 - without.cpuPerSpan / withPricing.cpuPerSpan) * 100).toFixed(0)}% of the sidecar's CPU)`,
  );
  console.log(`  where it goes (each run's CPU profile: shares of the main thread's busy time; µs per span = the measured CPU per span × the share)`);
  console.log(`    ${'component'.padEnd(44)} ${'without'.padStart(8)} ${'with'.padStart(8)} ${'share with'.padStart(11)}`);
  for (const component of [...COMPONENTS.map(([name]) => name), GARBAGE_COLLECTION, OUTSIDE]) {
    const perSpan = ({ cpuPerSpan, shares }: Run) => cpuPerSpan * (shares.get(component) ?? 0);
    console.log(
      `    ${component.padEnd(44)} ${perSpan(without).toFixed(2).padStart(8)} ${perSpan(withPricing).toFixed(2).padStart(8)} ` +
        `${((withPricing.shares.get(component) ?? 0) * 100).toFixed(1).padStart(10)}%`,
    );
  }
  return firstRequest;
}
