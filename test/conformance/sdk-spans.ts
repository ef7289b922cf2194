/** Builds the sample trace with the OpenTelemetry JS SDK, as finished spans ready for any real SDK exporter. */
import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { IdGenerator, ReadableSpan, Span } from '@opentelemetry/sdk-trace-base';
import { sampleTrace } from './sample-trace.js';
import type { SampleAttributes } from './sample-trace.js';

const NANOS_PER_SECOND = 1_000_000_000n;

/** HrTime keeps nanoseconds, which a millisecond number would lose. */
const hrTime = (nanos: string): HrTime => [Number(BigInt(nanos) / NANOS_PER_SECOND), Number(BigInt(nanos) % NANOS_PER_SECOND)];
const attributes = (sample: SampleAttributes): Attributes => ({ ...sample });

/** Hands out the sample's span ids in creation order, so that every client produces the same ids. */
class SampleIdGenerator implements IdGenerator {
  private next = 0;
  generateTraceId(): string {
    return sampleTrace.remoteParent.traceId;
  }
  generateSpanId(): string {
    const span = sampleTrace.spans[this.next++];
    if (!span) throw new Error('more spans created than the sample trace has');
    return span.spanId;
  }
}

export async function buildSampleSpans(): Promise<ReadableSpan[]> {
  const recorder = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(sampleTrace.resourceAttributes),
    idGenerator: new SampleIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(recorder)],
  });
  const tracer = provider.getTracer(sampleTrace.scope.name, sampleTrace.scope.version);
  const remoteParent = { ...sampleTrace.remoteParent, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  const started = new Map<string, Span>();
  for (const sample of sampleTrace.spans) {
    const parent = started.get(sample.parentSpanId);
    const parentContext = parent ? trace.setSpan(ROOT_CONTEXT, parent) : trace.setSpanContext(ROOT_CONTEXT, remoteParent);
    const span = tracer.startSpan(
      sample.name,
      {
        kind: sample.kind - 1,
        startTime: hrTime(sample.startTimeUnixNano),
        attributes: attributes(sample.attributes),
        links: sample.links.map((link) => ({
          context: { traceId: link.traceId, spanId: link.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true },
          attributes: attributes(link.attributes),
        })),
      },
      parentContext,
    ) as Span;
    for (const event of sample.events) span.addEvent(event.name, attributes(event.attributes), hrTime(event.timeUnixNano));
    if (sample.status.code !== SpanStatusCode.UNSET) {
      span.setStatus(sample.status.message ? { code: sample.status.code, message: sample.status.message } : { code: sample.status.code });
    }
    started.set(sample.spanId, span);
  }
  for (const sample of [...sampleTrace.spans].reverse()) started.get(sample.spanId)!.end(hrTime(sample.endTimeUnixNano));
  // Not shutdown(): that would also clear the recorder.
  await provider.forceFlush();
  return recorder.getFinishedSpans();
}
