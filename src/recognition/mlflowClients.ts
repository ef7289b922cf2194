/**
 * MLflow 3.9's autologs of provider clients (`mlflow.anthropic`, `.gemini`, `.bedrock`, `.groq`, `.mistral`,
 * `.openai`): their spans name the client by a message format (`mlflow.message.format`, JSON-encoded) and, except the
 * openai autolog's plain `model`, carry no model or provider attribute. The model is only in what the call was given
 * (`mlflow.spanInputs`: the client's keyword arguments) and what it returned (`mlflow.spanOutputs`); without reading
 * them, every call of these autologs was unpriced ("no model name on the span").
 */
import type { AnyValue } from '../otlp/index.js';
import { JsonFields } from './jsonFields.js';
import { SLOTS } from './spanView.js';
import type { SpanView } from './spanView.js';
import { decodeString, mayHold } from './values.js';

export type ClientFormat = 'openai' | 'anthropic' | 'gemini' | 'bedrock' | 'groq' | 'mistral' | 'langchain' | 'llamaindex' | 'smolagents' | 'ag2' | 'openai-agent';

const FORMATS: readonly ClientFormat[] = ['openai', 'anthropic', 'gemini', 'bedrock', 'groq', 'mistral', 'langchain', 'llamaindex', 'smolagents', 'ag2', 'openai-agent'];

/** Each format as MLflow sends it (JSON-encoded) and plain: one lookup of the raw value, no unquoted copy. */
const FORMAT_OF_RAW = new Map<string, ClientFormat>(FORMATS.flatMap((format) => [[format, format], [`"${format}"`, format]]));

/**
 * The format an `mlflow.message.format` value names, among those recognition reads differently (`openai-agent`: the
 * OpenAI Agents SDK's model spans, which MLflow's openai autolog traces too); undefined for any other.
 */
export function messageFormatOf(value: AnyValue | undefined): ClientFormat | undefined {
  return value?.kind === 'string' ? FORMAT_OF_RAW.get(value.value) : undefined;
}

/**
 * The provider a client's calls go to. The google-genai client calls the Gemini API or Vertex AI, which the span does
 * not tell apart: the umbrella value. The anthropic client's Bedrock and Vertex variants go through the same patched
 * method; their model names (`anthropic.claude-…-v1:0`, `claude-…@date`) still find Anthropic's price, which both
 * clouds charge for Claude. `openai` names none: the openai client also calls OpenAI-compatible servers (DeepSeek,
 * Groq…), whose models are then found by name; `langchain`, `llamaindex`, `smolagents`, `ag2` and `openai-agent` none
 * either (LangChain's metadata names it; LlamaIndex's, smolagents', AG2's and the Agents SDK's models are any
 * provider's, found by the model's name).
 */
const PROVIDER_OF_FORMAT: Readonly<Partial<Record<ClientFormat, string>>> = {
  anthropic: 'anthropic',
  gemini: 'gcp.gen_ai',
  bedrock: 'aws.bedrock',
  groq: 'groq',
  mistral: 'mistral_ai',
};

/** The response's own model name, top-level in what the call returned: Anthropic's, Groq's and Mistral's `model`, Gemini's `model_version`. */
const RESPONSE_MODEL_KEY: Readonly<Partial<Record<ClientFormat, 'model' | 'model_version'>>> = {
  anthropic: 'model',
  gemini: 'model_version',
  groq: 'model',
  mistral: 'model',
};

/**
 * What an MLflow client span says of its call, read once per span and only when asked: recognition asks for the
 * model only when no attribute names one, so LangChain's model calls (named in their metadata) never read their
 * inputs here.
 */
export class MlflowClientCall {
  private readonly inputs = new JsonFields(['model', 'modelId']);
  private readonly outputs = new JsonFields(['model', 'model_version']);
  private view: SpanView | undefined;
  private formatRead = false;
  private formatFound: ClientFormat | undefined;
  private inputsRead = false;

  /** Starts on the span loaded in `view`. */
  reset(view: SpanView): void {
    this.view = view;
    this.formatRead = false;
    this.inputsRead = false;
  }

  /**
   * The client the span's call went through. Bedrock's InvokeModel span has no format: it is told by the `modelId`
   * keyword its inputs start with (only Bedrock's API names its model so), which only MLflow spans have.
   */
  format(): ClientFormat | undefined {
    if (this.formatRead) return this.formatFound;
    this.formatRead = true;
    const view = this.view!;
    const raw = view.at(SLOTS['mlflow.message.format']);
    this.formatFound = messageFormatOf(raw);
    if (raw === undefined && mayHold(this.inputValue(), '"modelId"') && this.readInputs().string('modelId') !== undefined) {
      this.formatFound = 'bedrock';
    }
    return this.formatFound;
  }

  provider(): string | undefined {
    const format = this.format();
    return format === undefined ? undefined : PROVIDER_OF_FORMAT[format];
  }

  /**
   * The response's model over the one asked for; for Bedrock, the model id asked for (the name its price list uses).
   * smolagents' model spans keep the model's fields as attributes: its `model_id`.
   */
  model(): string | undefined {
    if (this.inputValue() === undefined) return undefined;
    const view = this.view!;
    const format = this.format();
    if (format === 'smolagents') return decodeString(view.find('model_id'));
    const responseKey = format === undefined ? undefined : RESPONSE_MODEL_KEY[format];
    if (responseKey !== undefined && this.outputs.read(view.at(SLOTS['mlflow.spanOutputs']))) {
      const model = this.outputs.string(responseKey);
      if (model !== undefined) return model;
    }
    const inputs = this.readInputs();
    return inputs.string('model') ?? inputs.string('modelId');
  }

  /** The call's inputs, on MLflow spans only: read on few spans, so without a slot in the view (see `SpanView.find`). */
  private inputValue(): AnyValue | undefined {
    return this.view!.at(SLOTS['mlflow.spanType']) === undefined ? undefined : this.view!.find('mlflow.spanInputs');
  }

  private readInputs(): JsonFields<'model' | 'modelId'> {
    if (!this.inputsRead) this.inputs.read(this.inputValue());
    this.inputsRead = true;
    return this.inputs;
  }
}
