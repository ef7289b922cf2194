"""Model calls traced by instrumentations other than MLflow's LangChain autolog, exported over OTLP/HTTP.

Through the real provider clients against the APIs at --api-base-url (a local fake in the tests: the real APIs are not
reachable):
  - OpenAI, `openai`: a chat completion (also streamed), a response (the Responses API) and an embedding, Groq's
    OpenAI-compatible API through the same client (its base URL names api.groq.com), OpenRouter's (also through
    LangChain's ChatOpenAI), and a deployment on Azure OpenAI;
  - Anthropic's message (also streamed, one with a prompt cached for an hour, and one whose context the server compacted,
    a beta) through `anthropic` (which also traces itself), Gemini's generateContent (also
    streamed) through `google-genai`, Claude on Bedrock through `boto3` (Converse and InvokeModel, each also streamed), Llama on Groq
    through `groq`, Mistral Small (also streamed) and an embedding through `mistralai`, and two runs of the OpenAI Agents SDK (an agent on the Responses API, one on Claude through
    LiteLLM);
  - LangChain: a chat model call (a fake with real usage metadata), LangChain's ChatOpenAI over `openai`, also
    streamed (a LangChain span and the client's for one call), and its ChatGoogleGenerativeAI and ChatBedrockConverse;
  - LlamaIndex's OpenAI LLM: a chat, also streamed, and a completion; smolagents' model for OpenAI's API; a chat of
    AG2 (AutoGen) agents.
Each run is traced by one instrumentation:
  openinference  all of them but Mistral's (its mistralai instrumentor needs mistralai 2, past MLflow 3.9's window), with
                 OpenInference's OpenAI, Anthropic, Google GenAI, Bedrock, Groq, LangChain, OpenAI Agents and LlamaIndex
                 instrumentors, and its LiteLLM one for two more calls through LiteLLM (OpenAI's and Anthropic's)
  openllmetry    all of them but LlamaIndex's, with OpenLLMetry's (opentelemetry-instrumentation-openai / -anthropic /
                 -google-generativeai / -bedrock / -groq / -langchain / -openai-agents / -mistralai)
  opentelemetry  the openai client's calls, with OpenTelemetry's own instrumentation (opentelemetry-instrumentation-openai-v2)
  mlflow         MLflow 3.9's langchain autolog, alone at first, for LangChain's ChatOpenAI, ChatGoogleGenerativeAI and
                 ChatBedrockConverse, its llama_index, smolagents and ag2 ones for LlamaIndex's calls, smolagents' model
                 and an AG2 chat; its openai autolog (the Agents SDK's spans included), its litellm one for two calls
                 through LiteLLM, its anthropic, gemini, bedrock, groq and mistral ones for those clients' calls; exporting
                 through its own OTLP exporter (and the Anthropic client's own spans through OpenTelemetry's global provider)
  mlflow-latest  the newest MLflow's anthropic autolog (./.venv-mlflow-latest's python) for Anthropic's calls
  litellm        LiteLLM's own OpenTelemetry callback (litellm.integrations.opentelemetry) for calls through LiteLLM:
                 OpenAI's, Anthropic's, Gemini's and Claude's on Bedrock (Converse), each also streamed, an embedding,
                 and a call that fails
  langsmith      LangSmith's OpenTelemetry export (LANGSMITH_OTEL_ENABLED, LANGSMITH_OTEL_ONLY: nothing sent to LangSmith)
                 of its OpenAI wrapper (chat only: it traces no embeddings, and langsmith 0.6.6's Anthropic wrapper
                 fails on anthropic 2.x) and of the LangChain call
Spans go to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (http/protobuf); the app exits once they are exported.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ["MLFLOW_TRACE_ENABLE_OTLP_DUAL_EXPORT"] = "false"
os.environ["MLFLOW_ENABLE_OTLP_EXPORTER"] = "true"


def openai_calls(base_url: str) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="not-used")
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
    client.embeddings.create(model="text-embedding-3-small", input="hello")
    client.responses.create(model="gpt-4o-mini", input="hello")
    # Streamed: usage comes in a last chunk, only when asked for.
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}], stream=True, stream_options={"include_usage": True}
    )
    for _ in stream:
        pass


def anthropic_call(base_url: str) -> None:
    import anthropic

    client = anthropic.Anthropic(base_url=base_url, api_key="not-used")
    client.messages.create(model="claude-3-5-haiku-20241022", max_tokens=100, messages=[{"role": "user", "content": "hello"}])
    with client.messages.stream(model="claude-3-5-haiku-20241022", max_tokens=100, messages=[{"role": "user", "content": "hello"}]) as stream:
        for _ in stream.text_stream:
            pass


def anthropic_hour_cache_call(base_url: str) -> None:
    # A prompt cached for an hour (cache_control's ttl): Anthropic bills those cache writes at twice the input price.
    import anthropic

    system = [{"type": "text", "text": "Answer briefly.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    anthropic.Anthropic(base_url=base_url, api_key="not-used").messages.create(
        model="claude-3-5-haiku-20241022", max_tokens=100, system=system, messages=[{"role": "user", "content": "hello"}]
    )


def anthropic_compaction_call(base_url: str, client_traces: bool = True) -> None:
    # A request that lets the server compact its context (a beta): the compaction's tokens are billed, but only the
    # response's usage iterations count them, not its top-level usage. `client_traces=False`: the client's own span is
    # turned off (its `open_telemetry` option), so that an instrumentor's span is the call's only one.
    import anthropic

    client = anthropic.Anthropic(base_url=base_url, api_key="not-used", **({} if client_traces else {"open_telemetry": False}))
    client.beta.messages.create(
        model="claude-3-5-haiku-20241022",
        max_tokens=100,
        betas=["compact-2026-01-12"],
        context_management={"edits": [{"type": "compact_20260112"}]},
        messages=[{"role": "user", "content": "hello"}],
    )


def gemini_calls(base_url: str) -> None:
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="not-used", http_options=types.HttpOptions(base_url=base_url))
    client.models.generate_content(model="gemini-2.5-flash", contents="hello")
    for _ in client.models.generate_content_stream(model="gemini-2.5-flash", contents="hello"):
        pass


def bedrock_calls(base_url: str) -> None:
    import json

    import boto3

    client = boto3.client(
        "bedrock-runtime", region_name="us-east-1", endpoint_url=base_url, aws_access_key_id="not-used", aws_secret_access_key="not-used"
    )
    # A cross-region inference profile, as Bedrock's console suggests for Claude.
    model = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    client.converse(modelId=model, messages=[{"role": "user", "content": [{"text": "hello"}]}])
    for _ in client.converse_stream(modelId=model, messages=[{"role": "user", "content": [{"text": "hello"}]}])["stream"]:
        pass
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "messages": [{"role": "user", "content": "hello"}]})
    client.invoke_model(modelId=model, body=body)["body"].read()
    for _ in client.invoke_model_with_response_stream(modelId=model, body=body)["body"]:
        pass


def to_stand_in(base_url: str, deployments: tuple[str, ...] = ()):
    """An HTTP client for a provider's real address (the spans show it) that delivers every request to the stand-in
    instead (nothing outside this machine is reachable); an Azure OpenAI deployment's path becomes OpenAI's `/v1`."""
    import httpx

    stand_in = httpx.URL(base_url)

    class ToStandIn(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            path = request.url.path
            for deployment in deployments:
                path = path.replace(f"/openai/deployments/{deployment}", "/v1")
            request.url = request.url.copy_with(scheme=stand_in.scheme, host=stand_in.host, port=stand_in.port, path=path)
            return super().handle_request(request)

    return httpx.Client(transport=ToStandIn())


def openai_compatible_call(base_url: str) -> None:
    # Groq's OpenAI-compatible API through the openai client, as apps call it: the client names api.groq.com.
    import openai

    client = openai.OpenAI(base_url="https://api.groq.com/openai/v1", api_key="not-used", http_client=to_stand_in(base_url))
    client.chat.completions.create(model="llama-3.3-70b-versatile", messages=[{"role": "user", "content": "hello"}])


def deepseek_call(base_url: str) -> None:
    # DeepSeek's API through the openai client, as apps call it: the client names api.deepseek.com, and the model
    # DeepSeek's pricing page says to use.
    import openai

    client = openai.OpenAI(base_url="https://api.deepseek.com", api_key="not-used", http_client=to_stand_in(base_url))
    client.chat.completions.create(model="deepseek-flash", messages=[{"role": "user", "content": "hello"}])


def openrouter_calls(base_url: str) -> None:
    # OpenRouter's API through the openai client (also streamed), and through LangChain's ChatOpenAI, as apps call it:
    # its usage reports what the call cost.
    import openai
    from langchain_openai import ChatOpenAI

    client = openai.OpenAI(base_url="https://openrouter.ai/api/v1", api_key="not-used", http_client=to_stand_in(base_url))
    client.chat.completions.create(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
    # Streamed: OpenRouter's last chunk carries the usage, asked for or not.
    for _ in client.chat.completions.create(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hello"}], stream=True):
        pass
    ChatOpenAI(model="openai/gpt-4o-mini", base_url="https://openrouter.ai/api/v1", api_key="not-used", http_client=to_stand_in(base_url)).invoke("hello")


# An Azure OpenAI resource, its deployments named by their owner.
AZURE_ENDPOINT = "https://tokenmeter-test.openai.azure.com"
AZURE_DEPLOYMENTS = ("prod-chat", "prod-embed")


def azure_openai_call(base_url: str) -> None:
    # Azure OpenAI through the openai client: a chat and an embedding, each through a deployment.
    import openai

    client = openai.AzureOpenAI(
        azure_endpoint=AZURE_ENDPOINT, api_version="2024-10-21", api_key="not-used", http_client=to_stand_in(base_url, AZURE_DEPLOYMENTS)
    )
    client.chat.completions.create(model="prod-chat", messages=[{"role": "user", "content": "hello"}])
    client.embeddings.create(model="prod-embed", input="hello")


def groq_call(base_url: str) -> None:
    import groq

    groq.Groq(base_url=base_url, api_key="not-used").chat.completions.create(
        model="llama-3.3-70b-versatile", messages=[{"role": "user", "content": "hello"}]
    )


def mistral_calls(base_url: str) -> None:
    # Mistral's client: a chat, streamed (the usage in the last chunk), and an embedding.
    from mistralai import Mistral

    client = Mistral(api_key="not-used", server_url=f"{base_url}/mistral")
    client.chat.complete(model="mistral-small-latest", messages=[{"role": "user", "content": "hello"}])
    for _ in client.chat.stream(model="mistral-small-latest", messages=[{"role": "user", "content": "hello"}]):
        pass
    client.embeddings.create(model="mistral-embed", inputs=["hello"])


def llama_index_calls(base_url: str) -> None:
    # LlamaIndex's OpenAI LLM: a chat, streamed, and a completion.
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai import OpenAI

    llm = OpenAI(model="gpt-4o-mini", api_base=f"{base_url}/v1", api_key="not-used")
    llm.chat([ChatMessage(role="user", content="hello")])
    for _ in llm.stream_chat([ChatMessage(role="user", content="hello")]):
        pass
    llm.complete("hello")


def smolagents_call(base_url: str) -> None:
    # smolagents' model for OpenAI's API, called as its agents call it.
    from smolagents import OpenAIServerModel

    OpenAIServerModel(model_id="gpt-4o-mini", api_base=f"{base_url}/v1", api_key="not-used")([{"role": "user", "content": [{"type": "text", "text": "hello"}]}])


def ag2_chat(base_url: str) -> None:
    # An AG2 (AutoGen) chat of one turn: the user agent asks, the assistant's model answers.
    from autogen import ConversableAgent, LLMConfig

    config = LLMConfig(config_list=[{"model": "gpt-4o-mini", "base_url": f"{base_url}/v1", "api_key": "not-used", "api_type": "openai"}])
    user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER")
    user.initiate_chat(ConversableAgent("assistant", llm_config=config), message="hello", max_turns=1, silent=True)


def litellm_routes(base_url: str) -> list[tuple[str, dict[str, str]]]:
    """Models through LiteLLM, with what LiteLLM needs to call the stand-in for each: OpenAI's, Anthropic's, Gemini's (its
    base URL is the model's resource: LiteLLM appends `:generateContent` to a custom one) and Claude on Bedrock."""
    bedrock = {"aws_bedrock_runtime_endpoint": base_url, "aws_access_key_id": "not-used", "aws_secret_access_key": "not-used", "aws_region_name": "us-east-1"}
    return [
        ("openai/gpt-4o-mini", {"api_base": f"{base_url}/v1", "api_key": "not-used"}),
        ("anthropic/claude-3-5-haiku-20241022", {"api_base": f"{base_url}/v1/messages", "api_key": "not-used"}),
        ("gemini/gemini-2.5-flash", {"api_base": f"{base_url}/v1beta/models/gemini-2.5-flash", "api_key": "not-used"}),
        ("bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", bedrock),
    ]


def litellm_calls(base_url: str) -> None:
    # OpenAI's and Anthropic's calls through LiteLLM.
    import litellm

    for model, options in litellm_routes(base_url)[:2]:
        litellm.completion(model=model, messages=[{"role": "user", "content": "hello"}], **options)


def litellm_routed_calls(base_url: str) -> None:
    # Every route, each also streamed (usage in the last chunk, when asked for), and an embedding.
    import litellm

    messages = [{"role": "user", "content": "hello"}]
    for model, options in litellm_routes(base_url):
        litellm.completion(model=model, messages=messages, **options)
        for _ in litellm.completion(model=model, messages=messages, stream=True, stream_options={"include_usage": True}, **options):
            pass
    litellm.embedding(model="openai/text-embedding-3-small", input=["hello"], api_base=f"{base_url}/v1", api_key="not-used")
    # A call that fails (the stand-in knows no such path): traced, with no usage.
    try:
        litellm.completion(model="openai/gpt-4o-mini", messages=messages, api_base=f"{base_url}/nowhere/v1", api_key="not-used", num_retries=0)
    except litellm.NotFoundError:
        pass


def openai_agents_runs(base_url: str) -> None:
    # The OpenAI Agents SDK: an agent on OpenAI's Responses API, and one on Claude through LiteLLM. MLflow's openai
    # autolog traces the SDK's own spans and, below them, the client call (the openai autolog's, or the litellm one's).
    import asyncio

    import openai
    from agents import Agent, Runner, set_default_openai_client
    from agents.extensions.models.litellm_model import LitellmModel

    set_default_openai_client(openai.AsyncOpenAI(base_url=f"{base_url}/v1", api_key="not-used"), use_for_tracing=False)
    claude = LitellmModel(model="anthropic/claude-3-5-haiku-20241022", base_url=f"{base_url}/v1/messages", api_key="not-used")
    for agent in (Agent(name="helper", instructions="be brief", model="gpt-4o-mini"), Agent(name="claude", instructions="be brief", model=claude)):
        asyncio.run(Runner.run(agent, "hello"))


def langchain_openai_call(base_url: str) -> None:
    # LangChain's span with the OpenAI client's inside it: one call, traced twice when both are instrumented.
    from langchain_openai import ChatOpenAI

    ChatOpenAI(model="gpt-4o-mini", base_url=f"{base_url}/v1", api_key="not-used").invoke("hello")
    # Streamed, with usage: LangChain's result then names no response id.
    for _ in ChatOpenAI(model="gpt-4o-mini", base_url=f"{base_url}/v1", api_key="not-used", stream_usage=True).stream("hello"):
        pass


def langchain_deepseek_call(base_url: str) -> None:
    # LangChain's ChatOpenAI on DeepSeek's OpenAI-compatible API, as apps point it there: LangChain still says openai.
    from langchain_openai import ChatOpenAI

    ChatOpenAI(model="deepseek-chat", base_url="https://api.deepseek.com", api_key="not-used", http_client=to_stand_in(base_url)).invoke("hello")


def langchain_provider_calls(base_url: str) -> None:
    # LangChain's own chat models for Gemini (over Google's REST API) and for Bedrock's Converse API, and its
    # AzureChatOpenAI on a deployment (prod-chat).
    from langchain_aws import ChatBedrockConverse
    from langchain_google_genai import ChatGoogleGenerativeAI
    from langchain_openai import AzureChatOpenAI

    AzureChatOpenAI(
        azure_endpoint=AZURE_ENDPOINT, azure_deployment="prod-chat", api_version="2024-10-21", api_key="not-used", http_client=to_stand_in(base_url, AZURE_DEPLOYMENTS)
    ).invoke("hello")

    ChatGoogleGenerativeAI(model="gemini-2.5-flash", google_api_key="not-used", transport="rest", client_options={"api_endpoint": base_url}).invoke("hello")
    ChatBedrockConverse(
        model="us.anthropic.claude-3-5-haiku-20241022-v1:0",
        region_name="us-east-1",
        endpoint_url=base_url,
        aws_access_key_id="not-used",
        aws_secret_access_key="not-used",
    ).invoke("hello")


def langchain_call() -> None:
    from langchain_core.messages import AIMessage, HumanMessage
    from priced_fake_chat_model import PricedFakeChatModel

    replies = (
        AIMessage(
            content="hi",
            usage_metadata={"input_tokens": 1000, "output_tokens": 500, "total_tokens": 1500, "input_token_details": {"cache_read": 200}},
        )
        for _ in itertools.count()
    )
    PricedFakeChatModel(model="gpt-4o-mini", provider="openai", messages=replies).invoke([HumanMessage(content="hello")])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--instrumentation", choices=["openinference", "openllmetry", "opentelemetry", "mlflow", "mlflow-latest", "litellm", "langsmith"], required=True
    )
    parser.add_argument("--api-base-url", required=True)
    args = parser.parse_args()

    if args.instrumentation == "mlflow":
        import mlflow

        # First what the LangChain autolog alone records of LangChain's chat models (no client autolog below them).
        mlflow.langchain.autolog()
        langchain_openai_call(args.api_base_url)
        langchain_provider_calls(args.api_base_url)
        langchain_deepseek_call(args.api_base_url)
        # The same for LlamaIndex's LLM, with the llama_index autolog alone.
        mlflow.llama_index.autolog()
        llama_index_calls(args.api_base_url)
        mlflow.smolagents.autolog()
        smolagents_call(args.api_base_url)
        mlflow.ag2.autolog()
        ag2_chat(args.api_base_url)
        mlflow.openai.autolog()
        openai_calls(args.api_base_url)
        openai_compatible_call(args.api_base_url)
        # Through the openai client and LangChain's ChatOpenAI: the openai autolog's span inside the LangChain one.
        openrouter_calls(args.api_base_url)
        azure_openai_call(args.api_base_url)
        mlflow.litellm.autolog()
        litellm_calls(args.api_base_url)
        openai_agents_runs(args.api_base_url)
        mlflow.anthropic.autolog()
        # The Anthropic client also traces itself, to OpenTelemetry's global provider: set here, as an app that exports
        # its other spans over OTLP sets it, its spans of these calls come beside MLflow's, in traces of their own.
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        global_provider = TracerProvider()
        global_provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(global_provider)
        anthropic_call(args.api_base_url)
        anthropic_hour_cache_call(args.api_base_url)
        # MLflow's autolog patches Messages.create, not the beta messages: the client's own span alone traces this one.
        anthropic_compaction_call(args.api_base_url)
        mlflow.gemini.autolog()
        gemini_calls(args.api_base_url)
        mlflow.bedrock.autolog()
        bedrock_calls(args.api_base_url)
        mlflow.groq.autolog()
        groq_call(args.api_base_url)
        mlflow.mistral.autolog()
        mistral_calls(args.api_base_url)
        from mlflow.tracing.provider import provider as mlflow_tracer_provider

        return 0 if mlflow_tracer_provider.get().force_flush(timeout_millis=30_000) else 3

    if args.instrumentation == "mlflow-latest":
        # Run with ./.venv-mlflow-latest's python: the newest MLflow's anthropic autolog (only Anthropic's client is
        # installed there).
        import mlflow
        from mlflow.tracing.provider import provider as mlflow_tracer_provider

        mlflow.anthropic.autolog()
        anthropic_call(args.api_base_url)
        anthropic_hour_cache_call(args.api_base_url)
        return 0 if mlflow_tracer_provider.get().force_flush(timeout_millis=30_000) else 3

    if args.instrumentation == "litellm":
        import litellm
        from litellm.integrations.opentelemetry import OpenTelemetry, OpenTelemetryConfig
        from opentelemetry import trace

        # As LiteLLM's docs configure it (exporter otlp_http, an endpoint), made directly: LiteLLM 1.74 imports its proxy
        # server (litellm[proxy], not installed) to set it up from `litellm.callbacks = ["otel"]`. It sets up the
        # global tracer provider itself.
        endpoint = os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        litellm.callbacks = [OpenTelemetry(config=OpenTelemetryConfig(exporter="otlp_http", endpoint=endpoint))]
        litellm_routed_calls(args.api_base_url)
        return 0 if trace.get_tracer_provider().force_flush(timeout_millis=30_000) else 3

    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
    # The Anthropic client's own spans go to the global provider.
    from opentelemetry import trace

    trace.set_tracer_provider(tracer_provider)
    if args.instrumentation == "langsmith":
        # Read when LangChain's tracer and the wrapper start; LangSmith then uses the global tracer provider.
        os.environ.update(LANGSMITH_TRACING="true", LANGSMITH_OTEL_ENABLED="true", LANGSMITH_OTEL_ONLY="true", LANGSMITH_API_KEY="not-used")
        import openai
        from langsmith.wrappers import wrap_openai

        client = wrap_openai(openai.OpenAI(base_url=f"{args.api_base_url}/v1", api_key="not-used"))
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
        langchain_call()
        from langsmith.run_trees import get_cached_client

        get_cached_client().flush()
        return 0 if tracer_provider.force_flush(timeout_millis=30_000) else 3
    if args.instrumentation == "opentelemetry":
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor as OpenTelemetryOpenAIInstrumentor

        OpenTelemetryOpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
        openai_calls(args.api_base_url)
        openai_compatible_call(args.api_base_url)
        deepseek_call(args.api_base_url)
        return 0 if tracer_provider.force_flush(timeout_millis=30_000) else 3
    if args.instrumentation == "openinference":
        from openinference.instrumentation.anthropic import AnthropicInstrumentor
        from openinference.instrumentation.bedrock import BedrockInstrumentor
        from openinference.instrumentation.google_genai import GoogleGenAIInstrumentor
        from openinference.instrumentation.groq import GroqInstrumentor
        from openinference.instrumentation.langchain import LangChainInstrumentor
        from openinference.instrumentation.litellm import LiteLLMInstrumentor
        from openinference.instrumentation.llama_index import LlamaIndexInstrumentor
        from openinference.instrumentation.openai import OpenAIInstrumentor
        from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

        instrumentors = [
            OpenAIInstrumentor, AnthropicInstrumentor, LangChainInstrumentor, GoogleGenAIInstrumentor, BedrockInstrumentor, GroqInstrumentor,
            LiteLLMInstrumentor, OpenAIAgentsInstrumentor, LlamaIndexInstrumentor,
        ]
    else:
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor
        from opentelemetry.instrumentation.bedrock import BedrockInstrumentor
        from opentelemetry.instrumentation.google_generativeai import GoogleGenerativeAiInstrumentor
        from opentelemetry.instrumentation.groq import GroqInstrumentor
        from opentelemetry.instrumentation.langchain import LangchainInstrumentor
        from opentelemetry.instrumentation.mistralai import MistralAiInstrumentor
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
        from opentelemetry.instrumentation.openai_agents import OpenAIAgentsInstrumentor

        instrumentors = [
            OpenAIInstrumentor, AnthropicInstrumentor, LangchainInstrumentor, GoogleGenerativeAiInstrumentor, BedrockInstrumentor, GroqInstrumentor,
            OpenAIAgentsInstrumentor, MistralAiInstrumentor,
        ]
    for instrumentor in instrumentors:
        instrumentor().instrument(tracer_provider=tracer_provider)
    if args.instrumentation == "openinference":
        litellm_calls(args.api_base_url)
        # LlamaIndex's instrumentor (4.3.10, on llama-index-core 0.14.12) does not put the OpenAI client's span in its
        # trace, and its span keeps no response id: the two spans of a call are in two traces.
        llama_index_calls(args.api_base_url)
    else:
        mistral_calls(args.api_base_url)
    openai_calls(args.api_base_url)
    anthropic_call(args.api_base_url)
    anthropic_hour_cache_call(args.api_base_url)
    # OpenInference's span alone (the client's off) keeps the compaction's own counts; OpenLLMetry's, none of them.
    anthropic_compaction_call(args.api_base_url, client_traces=args.instrumentation != "openinference")
    gemini_calls(args.api_base_url)
    bedrock_calls(args.api_base_url)
    groq_call(args.api_base_url)
    openai_compatible_call(args.api_base_url)
    openrouter_calls(args.api_base_url)
    azure_openai_call(args.api_base_url)
    openai_agents_runs(args.api_base_url)
    langchain_openai_call(args.api_base_url)
    langchain_provider_calls(args.api_base_url)
    langchain_call()
    return 0 if tracer_provider.force_flush(timeout_millis=30_000) else 3


if __name__ == "__main__":
    sys.exit(main())
