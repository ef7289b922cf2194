import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLedger, waitFor } from '../../test/e2e/ledger-sidecar.js';
import { makeRequest, makeSpan } from '../../test/fixtures/spans.js';
import { getFreePort } from '../../test/harness/mlflow-server.js';
import { components } from '../components.js';
import { validateConfig } from '../config/load.js';
import { encodeTracesProtobuf, stringValue } from '../otlp/index.js';
import { silentLogger } from '../telemetry/logger.js';
import { Service } from './service.js';

describe('Service wiring', () => {
  let service: Service | undefined;
  afterEach(async () => {
    await service?.shutdown(2000);
    service = undefined;
  });

  it('records a trace whose root never came in the ledger, from its calls, when trace assembly gives it up', async () => {
    const port = await getFreePort();
    const ledgerPath = path.join(mkdtempSync(path.join(tmpdir(), 'tokenmeter-service-')), 'ledger.db');
    const config = validateConfig(
      {
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
        processors: { costestimator: {}, traceassembly: { trace_timeout: '200ms' } },
        exporters: { ledger: { path: ledgerPath } },
        admin: { enabled: false },
        storage: { mode: 'memory' },
        service: { pipelines: { traces: { receivers: ['otlp'], processors: ['costestimator', 'traceassembly'], exporters: ['ledger'] } } },
      },
      components,
    );
    service = new Service(config, components, silentLogger());
    await service.start();

    // A chat-model call whose parent (the workflow root) is never exported.
    const call = makeSpan({
      parentSpanId: new Uint8Array(8).fill(9),
      name: 'ChatOpenAI',
      attributes: [
        { key: 'mlflow.spanType', value: stringValue('"CHAT_MODEL"') },
        { key: 'mlflow.chat.tokenUsage', value: stringValue('{"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200}') },
        { key: 'invocation_params', value: stringValue('{"model": "gpt-4o-mini", "_type": "openai-chat"}') },
      ],
    });
    const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: encodeTracesProtobuf(makeRequest(call)),
    });
    expect(response.status).toBe(200);

    const trace = await waitFor('the trace row', () => readLedger(ledgerPath).traces[0]);
    // openai.com/api/pricing, gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens.
    expect(trace).toMatchObject({ trace_id: Buffer.from(call.traceId).toString('hex'), workflow: '(root missing)', calls: 1 });
    expect(trace.cost_usd).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
  });
});
