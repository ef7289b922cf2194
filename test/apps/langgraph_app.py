"""A small but real LangGraph app traced by MLflow 3.9, used as the "customer app" in tokenmeter's tests.

Graph: plan (gpt-4o-mini) -> research (claude-3-5-haiku, called twice) -> write (gpt-4o-mini), under a root
WORKFLOW span from @mlflow.trace, exactly the shape of the apps tokenmeter serves. The chat models are LangChain
fakes (no network) that report real `usage_metadata`, so MLflow's autolog records `mlflow.chat.tokenUsage`.

Spans leave through MLflow's OTLP exporter, configured only by the standard env vars:
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   e.g. http://127.0.0.1:4318/v1/traces (required)
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL   http/protobuf | grpc (MLflow's default is grpc)
  OTEL_EXPORTER_OTLP_TRACES_HEADERS    e.g. x-mlflow-experiment-id=1 when exporting straight to MLflow
No MLFLOW_TRACKING_URI is needed: with an OTLP endpoint set and dual export off, MLflow 3.9 installs only its
OtelSpanProcessor (trace infos carry no experiment, nothing is written to a tracking store or the cwd).

Usage: langgraph_app.py [--runs N] [--thread-id ID] [--strict-export] [--no-session-attribute]
An unreachable endpoint does NOT fail the app by default (the OTel exporter retries ~10 s, drops the batch, and
force_flush still reports success); --strict-export exits 4 if the OTel SDK logged an export error.
Prints one JSON line per run: {"trace_id", "mlflow_trace_id", "thread_id", "usages": [{node, model, provider,
input_tokens, output_tokens}, ...]}. Only those lines go to stdout; logs go to stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import operator
import os
import sys
from collections.abc import Iterator
from typing import Annotated, Any, TypedDict

# Must be set before mlflow is imported: the tests must never phone home, and OTLP export must be the only sink.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ["MLFLOW_TRACE_ENABLE_OTLP_DUAL_EXPORT"] = "false"  # dual export would double-count tokens downstream
os.environ["MLFLOW_ENABLE_OTLP_EXPORTER"] = "true"

import mlflow  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402
from mlflow.tracing.provider import get_current_otel_span  # noqa: E402
from mlflow.tracing.provider import provider as mlflow_tracer_provider  # noqa: E402
from priced_fake_chat_model import PricedFakeChatModel  # noqa: E402

WORKFLOW_NAME = "tokenmeter_test_workflow"


def scripted_replies(model: str, base_input: int) -> Iterator[AIMessage]:
    """Endless replies with distinct, deterministic token counts so each call is recognisable downstream."""
    for call_index in itertools.count():
        input_tokens = base_input + 7 * call_index
        output_tokens = 20 + 3 * call_index
        yield AIMessage(
            content=f"{model} reply #{call_index}",
            usage_metadata={
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
            response_metadata={"model_name": model, "finish_reason": "stop"},
        )


def make_model(model: str, provider: str, base_input: int) -> PricedFakeChatModel:
    return PricedFakeChatModel(
        model=model, provider=provider, messages=scripted_replies(model, base_input)
    )


PLANNER = make_model("gpt-4o-mini", "openai", base_input=100)
RESEARCHER = make_model("claude-3-5-haiku-20241022", "anthropic", base_input=300)
WRITER = PLANNER  # same model object, so its call counter keeps running across nodes


class State(TypedDict):
    question: str
    plan: str
    notes: Annotated[list[str], operator.add]
    answer: str
    usages: Annotated[list[dict[str, Any]], operator.add]


def usage_record(node: str, chat_model: PricedFakeChatModel, reply: AIMessage) -> dict[str, Any]:
    usage = reply.usage_metadata or {}
    return {
        "node": node,
        "model": chat_model.model,
        "provider": chat_model.provider,
        "input_tokens": usage.get("input_tokens", 0),
        "output_tokens": usage.get("output_tokens", 0),
    }


def plan(state: State) -> dict[str, Any]:
    reply = PLANNER.invoke([HumanMessage(content=f"Plan an answer to: {state['question']}")])
    return {"plan": str(reply.content), "usages": [usage_record("plan", PLANNER, reply)]}


def research(state: State) -> dict[str, Any]:
    # Two calls in one node: tokenmeter must attribute both to the same node.
    first = RESEARCHER.invoke([HumanMessage(content=f"Research step 1 for: {state['plan']}")])
    second = RESEARCHER.invoke([HumanMessage(content=f"Research step 2 after: {first.content}")])
    return {
        "notes": [str(first.content), str(second.content)],
        "usages": [usage_record("research", RESEARCHER, first), usage_record("research", RESEARCHER, second)],
    }


def write(state: State) -> dict[str, Any]:
    reply = WRITER.invoke([HumanMessage(content="Write the answer from: " + " | ".join(state["notes"]))])
    return {"answer": str(reply.content), "usages": [usage_record("write", WRITER, reply)]}


def build_graph() -> Any:
    graph = StateGraph(State)
    graph.add_node("plan", plan)
    graph.add_node("research", research)
    graph.add_node("write", write)
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "research")
    graph.add_edge("research", "write")
    graph.add_edge("write", END)
    return graph.compile()


GRAPH = build_graph()


@mlflow.trace(span_type="WORKFLOW", name=WORKFLOW_NAME)
def run_workflow(question: str, thread_id: str, session_attribute: bool = True) -> dict[str, Any]:
    root = mlflow.get_current_active_span()
    if root is not None and session_attribute:
        # `session.id` on a span is how an OTLP-only app can tell the MLflow server the session (3.8+): the
        # trace-level `mlflow.trace.session` that autolog derives from thread_id is never exported over OTLP.
        root.set_attribute("session.id", thread_id)
    state = GRAPH.invoke(
        {"question": question, "notes": [], "usages": []},
        config={"configurable": {"thread_id": thread_id}},
    )
    # MLflow runs its own (non-global) tracer provider and context, so opentelemetry.trace.get_current_span()
    # would return the invalid all-zero span here; ask MLflow for its current OTel span instead.
    otel_span = get_current_otel_span()
    assert otel_span is not None, "run_workflow must run inside MLflow's root span"
    return {
        "trace_id": format(otel_span.get_span_context().trace_id, "032x"),
        "mlflow_trace_id": mlflow.get_active_trace_id(),
        "thread_id": thread_id,
        "usages": state["usages"],
    }


def flush_spans() -> None:
    """Export every ended span before the process exits.

    In OTLP mode MLflow's spans go through its OtelSpanProcessor (a BatchSpanProcessor) on MLflow's own tracer
    provider. `mlflow.flush_trace_async_logging()` only drains the MLflow-server exporter's queue and just logs an
    error in OTLP mode, so flush the provider itself; it returns False if the exporter did not finish in time.
    """
    tracer_provider = mlflow_tracer_provider.get()
    force_flush = getattr(tracer_provider, "force_flush", None)
    if force_flush is not None and not force_flush(timeout_millis=30_000):
        print("langgraph_app: span export did not finish within 30 s", file=sys.stderr)
        sys.exit(3)


class ExportErrorRecorder(logging.Handler):
    """Remembers ERROR logs of the OTel SDK/exporters, which is the only trace a dropped batch leaves."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("opentelemetry"):
            self.messages.append(record.getMessage())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--thread-id", default="thread-1")
    parser.add_argument("--strict-export", action="store_true", help="exit 4 if any span batch failed to export")
    parser.add_argument(
        "--no-session-attribute",
        action="store_true",
        help="leave session.id off the root span, as most apps do (the thread id is then only in LangGraph's metadata)",
    )
    args = parser.parse_args()
    export_errors = ExportErrorRecorder()
    logging.getLogger("opentelemetry").addHandler(export_errors)

    if not (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")):
        sys.exit("langgraph_app: set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (otherwise MLflow would log to a tracking server)")

    mlflow.langchain.autolog()
    for run_index in range(args.runs):
        result = run_workflow(f"Question {run_index}: what does an LLM call cost?", args.thread_id, not args.no_session_attribute)
        print(json.dumps(result), flush=True)
    flush_spans()
    if args.strict_export and export_errors.messages:
        print(f"langgraph_app: span export failed: {export_errors.messages}", file=sys.stderr)
        sys.exit(4)


if __name__ == "__main__":
    main()
