"""Sends the conformance sample trace (JSON on stdin, see sample-trace.ts) with the OpenTelemetry Python SDK's own
OTLP exporter.

Usage: python_exporter.py {grpc|http} <endpoint> {none|gzip}
  grpc: endpoint is http://host:port; http: endpoint is the full traces URL.
Exits 0 only when the exporter reports SUCCESS.
"""

import json
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from grpc import Compression as GrpcCompression


class SampleIdGenerator(IdGenerator):
    """Hands out the sample's span ids in creation order, as the JS builder does."""

    def __init__(self, sample):
        self._trace_id = int(sample["remoteParent"]["traceId"], 16)
        self._span_ids = [int(span["spanId"], 16) for span in sample["spans"]]

    def generate_trace_id(self):
        return self._trace_id

    def generate_span_id(self):
        return self._span_ids.pop(0)


def remote_context(trace_id, span_id):
    return SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))


def build_spans(sample):
    recorder = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource(sample["resourceAttributes"]), id_generator=SampleIdGenerator(sample))
    provider.add_span_processor(SimpleSpanProcessor(recorder))
    tracer = provider.get_tracer(sample["scope"]["name"], sample["scope"]["version"])
    remote_parent = trace.set_span_in_context(
        NonRecordingSpan(remote_context(sample["remoteParent"]["traceId"], sample["remoteParent"]["spanId"]))
    )
    started = {}
    for spec in sample["spans"]:
        parent = started.get(spec["parentSpanId"])
        context = trace.set_span_in_context(parent) if parent is not None else remote_parent
        span = tracer.start_span(
            spec["name"],
            context=context,
            kind=SpanKind(spec["kind"] - 1),
            attributes=spec["attributes"],
            links=[Link(remote_context(link["traceId"], link["spanId"]), link["attributes"]) for link in spec["links"]],
            start_time=int(spec["startTimeUnixNano"]),
        )
        for event in spec["events"]:
            span.add_event(event["name"], event["attributes"], int(event["timeUnixNano"]))
        if spec["status"]["code"] != 0:
            span.set_status(Status(StatusCode(spec["status"]["code"]), spec["status"]["message"] or None))
        started[spec["spanId"]] = span
    for spec in reversed(sample["spans"]):
        started[spec["spanId"]].end(int(spec["endTimeUnixNano"]))
    return recorder.get_finished_spans()


def main():
    protocol, endpoint, compression = sys.argv[1:4]
    sample = json.load(sys.stdin)
    if protocol == "grpc":
        exporter = GrpcSpanExporter(
            endpoint=endpoint,
            insecure=True,
            compression=GrpcCompression.Gzip if compression == "gzip" else GrpcCompression.NoCompression,
        )
    else:
        exporter = HttpSpanExporter(
            endpoint=endpoint,
            compression=HttpCompression.Gzip if compression == "gzip" else HttpCompression.NoCompression,
        )
    result = exporter.export(build_spans(sample))
    exporter.shutdown()
    print(result.name)
    sys.exit(0 if result == SpanExportResult.SUCCESS else 1)


if __name__ == "__main__":
    main()
