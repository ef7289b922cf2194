/**
 * OTLP codec throughput on the request shape of otlp-protocol.md §10.3: one ResourceSpans with 5 resource attributes and
 * 512 spans, each with 10 attributes, 1 event with 2 attributes, a status, ids and times (~473 B/span). Ours and
 * protobufjs (reflection on proto/, the documented baseline) are measured in the same process, alternately warmed.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import {
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
  stringValue,
  intValue,
  doubleValue,
  boolValue,
} from '../../src/otlp/index.js';
import type { KeyValue, Span, TracesData } from '../../src/otlp/index.js';

const SPANS = 512;
const ROUNDS = 4;
const ROUND_MS = 400;
const WARMUP_MS = 300;
const MIB = 1024 * 1024;

function benchRequest(): TracesData {
  const id = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff);
  const spans: Span[] = [];
  const start = 1_767_225_600_000_000_000n;
  for (let i = 0; i < SPANS; i++) {
    const attributes: KeyValue[] = [
      { key: 'gen_ai.operation.name', value: stringValue('chat') },
      { key: 'gen_ai.system', value: stringValue('openai') },
      { key: 'gen_ai.request.model', value: stringValue('gpt-4o-mini') },
      { key: 'gen_ai.response.model', value: stringValue('gpt-4o-mini-2024-07-18') },
      { key: 'gen_ai.response.id', value: stringValue(`chatcmpl-${(1e9 + i).toString(36)}`) },
      { key: 'gen_ai.usage.input_tokens', value: intValue(1200 + i) },
      { key: 'gen_ai.usage.output_tokens', value: intValue(300 + (i % 50)) },
      { key: 'gen_ai.request.temperature', value: doubleValue(0.7) },
      { key: 'server.address', value: stringValue('api.openai.com') },
      { key: 'http.response.status_code', value: intValue(200) },
    ];
    spans.push({
      traceId: id(16, i >> 4),
      spanId: id(8, i + 1000),
      traceState: '',
      parentSpanId: i % 16 === 0 ? new Uint8Array(0) : id(8, i + 999),
      flags: 0x101,
      name: 'chat gpt-4o-mini',
      kind: 3,
      startTimeUnixNano: start + BigInt(i) * 1_000_000n,
      endTimeUnixNano: start + BigInt(i) * 1_000_000n + 850_000_000n,
      attributes,
      droppedAttributesCount: 0,
      events: [
        {
          timeUnixNano: start + BigInt(i) * 1_000_000n + 10_000_000n,
          name: 'gen_ai.choice',
          attributes: [
            { key: 'gen_ai.response.finish_reasons', value: stringValue('stop') },
            { key: 'index', value: intValue(0) },
          ],
          droppedAttributesCount: 0,
        },
      ],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { message: '', code: 1 },
    });
  }
  const resourceAttributes: KeyValue[] = [
    { key: 'service.name', value: stringValue('checkout-assistant') },
    { key: 'service.version', value: stringValue('2.14.1') },
    { key: 'deployment.environment.name', value: stringValue('production') },
    { key: 'telemetry.sdk.language', value: stringValue('nodejs') },
    { key: 'process.runtime.is_lts', value: boolValue(true) },
  ];
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes, droppedAttributesCount: 0, entityRefs: [] },
        scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-openai', version: '0.5.0', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
        schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      },
    ],
  };
}

interface Result {
  name: string;
  opsPerSecond: number;
}

type Contender = [name: string, operation: () => unknown];

/**
 * Measures contenders in interleaved rounds and keeps each one's best round: on a shared, noisy machine this compares
 * them under the same conditions instead of whoever ran during a quiet moment.
 */
function compare(contenders: Contender[]): Result[] {
  const best = new Map<string, number>();
  for (const [, operation] of contenders) runFor(operation, WARMUP_MS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, operation] of contenders) {
      const opsPerSecond = runFor(operation, ROUND_MS);
      best.set(name, Math.max(best.get(name) ?? 0, opsPerSecond));
    }
  }
  return contenders.map(([name]) => ({ name, opsPerSecond: best.get(name) ?? 0 }));
}

function runFor(operation: () => unknown, milliseconds: number): number {
  let operations = 0;
  const started = performance.now();
  let elapsed: number;
  do {
    operation();
    operations++;
    elapsed = performance.now() - started;
  } while (elapsed < milliseconds);
  return (operations * 1000) / elapsed;
}

function report(results: Result[], bytesPerOperation: number, baseline: string | undefined): void {
  const base = results.find((result) => result.name === baseline);
  for (const result of results) {
    const spans = (result.opsPerSecond * SPANS) / 1000;
    const mib = (result.opsPerSecond * bytesPerOperation) / MIB;
    const ratio = base === undefined ? '' : `  ${(result.opsPerSecond / base.opsPerSecond).toFixed(2)}× ${baseline}`;
    console.log(
      `  ${result.name.padEnd(44)} ${result.opsPerSecond.toFixed(0).padStart(6)} req/s ${spans.toFixed(0).padStart(6)}k spans/s ${mib.toFixed(0).padStart(5)} MiB/s${ratio}`,
    );
  }
}

function withoutRaw(data: TracesData): TracesData {
  for (const resourceSpans of data.resourceSpans) {
    if (resourceSpans.resource) resourceSpans.resource.raw = undefined;
    for (const scopeSpans of resourceSpans.scopeSpans) {
      if (scopeSpans.scope) scopeSpans.scope.raw = undefined;
      for (const span of scopeSpans.spans) span.raw = undefined;
    }
  }
  return data;
}

function loadProtobufjs(): protobuf.Type {
  const protoRoot = fileURLToPath(new URL('../../proto/', import.meta.url));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => protoRoot + target;
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}

function memory(): string {
  const usage = process.memoryUsage();
  return `heapUsed ${(usage.heapUsed / MIB).toFixed(0)} MiB, rss ${(usage.rss / MIB).toFixed(0)} MiB`;
}

export async function run(): Promise<void> {
  const Request = loadProtobufjs();
  const protobufBytes = encodeTracesProtobuf(benchRequest());
  const jsonText = encodeTracesJson(benchRequest());
  const jsonBytes = Buffer.byteLength(jsonText);
  console.log(
    `request: ${SPANS} spans, protobuf ${protobufBytes.length} B (${(protobufBytes.length / SPANS).toFixed(0)} B/span), JSON ${jsonBytes} B; node ${process.version}`,
  );

  console.log('protobuf decode');
  const decodeResults = compare([
    ['tokenmeter decodeTracesProtobuf', () => decodeTracesProtobuf(protobufBytes)],
    ['protobufjs decode', () => Request.decode(protobufBytes)],
    ['protobufjs decode + toObject({longs:String})', () => Request.toObject(Request.decode(protobufBytes), { longs: String })],
  ]);
  report(decodeResults, protobufBytes.length, 'protobufjs decode');

  const decodedWithRaw = decodeTracesProtobuf(protobufBytes);
  const decodedWithoutRaw = withoutRaw(decodeTracesProtobuf(protobufBytes));
  const protobufjsMessage = Request.decode(protobufBytes);
  console.log('protobuf encode');
  const encodeResults = compare([
    ['tokenmeter encode, full re-encode', () => encodeTracesProtobuf(decodedWithoutRaw)],
    ['tokenmeter encode, raw splice (unchanged)', () => encodeTracesProtobuf(decodedWithRaw)],
    ['protobufjs encode', () => Request.encode(protobufjsMessage).finish()],
  ]);
  report(encodeResults, protobufBytes.length, 'protobufjs encode');

  const parsed: unknown = JSON.parse(jsonText);
  const fromJson = decodeTracesJson(jsonText);
  console.log('OTLP/JSON');
  const jsonDecodeResults = compare([
    ['tokenmeter decodeTracesJson', () => decodeTracesJson(jsonText)],
    ['JSON.parse', () => JSON.parse(jsonText)],
  ]);
  report(jsonDecodeResults, jsonBytes, 'JSON.parse');
  const jsonEncodeResults = compare([
    ['tokenmeter encodeTracesJson', () => encodeTracesJson(fromJson)],
    ['JSON.stringify', () => JSON.stringify(parsed)],
  ]);
  report(jsonEncodeResults, jsonBytes, 'JSON.stringify');
  console.log(`memory after codec bench: ${memory()}`);
}
