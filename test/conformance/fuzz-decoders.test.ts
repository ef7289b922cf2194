/**
 * Property tests of both decoders with random and mutated bodies: whatever arrives, decoding either succeeds (and
 * then what was decoded can be encoded again, as the MLflow exporter will) or fails with an OtlpDecodeError, never
 * another exception; over the wire each body is answered 200 or 400 (as the decoder predicts) on HTTP, OK or
 * INVALID_ARGUMENT on gRPC, and good requests sent in between still arrive.
 */
import { Client, credentials } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OtlpDecodeError,
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
} from '../../src/otlp/index.js';
import type { TracesData } from '../../src/otlp/model.js';
import type { Receiver, TracesConsumer } from '../../src/pipeline/consumer.js';
import { otlpReceiverConfigSchema } from '../../src/receivers/otlp/config.js';
import { otlpReceiverFactory } from '../../src/receivers/otlp/factory.js';
import { GrpcCode } from '../../src/receivers/otlp/grpc-codes.js';
import { TRACE_SERVICE_EXPORT_PATH } from '../../src/otlp/grpc-service.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Random, randomTraces } from '../fixtures/random-traces.js';
import { makeRequest, makeSpan } from '../fixtures/spans.js';
import { getFreePort } from '../harness/ports.js';

/** One way of damaging a valid body, as a network, a buggy SDK or an attacker might. */
function mutate(body: Uint8Array, random: Random): Uint8Array {
  const copy = Uint8Array.from(body);
  const at = random.int(Math.max(1, copy.length));
  switch (random.int(7)) {
    case 0: // flip a few bits
      for (let i = 0; i < 1 + random.int(4); i++) copy[random.int(copy.length)]! ^= 1 << random.int(8);
      return copy;
    case 1: // cut it short
      return copy.subarray(0, at);
    case 2: // drop a run of bytes
      return Uint8Array.from([...copy.subarray(0, at), ...copy.subarray(at + 1 + random.int(16))]);
    case 3: // insert random bytes
      return Uint8Array.from([...copy.subarray(0, at), ...random.bytes(1 + random.int(16)), ...copy.subarray(at)]);
    case 4: // overwrite with 0xff: huge varints and lengths
      copy.fill(0xff, at, at + 1 + random.int(12));
      return copy;
    case 5: // duplicate a slice
      return Uint8Array.from([...copy, ...copy.subarray(at, at + random.int(64))]);
    default: // pure noise
      return random.bytes(random.int(256));
  }
}

type Outcome = { decoded: TracesData } | { rejected: string };

/** Decoding must end in data that encodes again, or in an OtlpDecodeError naming the problem. */
function decodeOrReject(decode: () => TracesData): Outcome {
  try {
    const decoded = decode();
    encodeTracesProtobuf(decoded);
    return { decoded };
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    expect(error.message.length).toBeGreaterThan(0);
    return { rejected: error.message };
  }
}

const utf8 = new TextEncoder();

describe('decoders under random and mutated input', () => {
  it('protobuf: 4000 mutated bodies decode or fail with OtlpDecodeError', () => {
    const random = new Random(20261129);
    let rejected = 0;
    for (let i = 0; i < 4000; i++) {
      const body = encodeTracesProtobuf(randomTraces(1 + (i % 200)));
      if ('rejected' in decodeOrReject(() => decodeTracesProtobuf(mutate(body, random)))) rejected++;
    }
    // The mutations really do break bodies (not only flip bits inside string values).
    expect(rejected).toBeGreaterThan(1000);
  });

  it('OTLP/JSON: 2000 mutated bodies decode or fail with OtlpDecodeError', () => {
    const random = new Random(42);
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const body = utf8.encode(encodeTracesJson(randomTraces(1 + (i % 100))));
      if ('rejected' in decodeOrReject(() => decodeTracesJson(mutate(body, random)))) rejected++;
    }
    expect(rejected).toBeGreaterThan(500);
  });
});

describe('receivers under mutated bodies', () => {
  const received: string[] = [];
  const consumer: TracesConsumer = {
    async consume(data) {
      for (const r of data.resourceSpans) for (const s of r.scopeSpans) for (const span of s.spans) received.push(span.name);
    },
  };
  let receiver: Receiver;
  let httpUrl: string;
  let grpc: Client;

  const marker = (name: string): Uint8Array => encodeTracesProtobuf(makeRequest(makeSpan({ name })));

  beforeAll(async () => {
    const [httpPort, grpcPort] = [await getFreePort(), await getFreePort()];
    httpUrl = `http://127.0.0.1:${httpPort}/v1/traces`;
    const config = otlpReceiverConfigSchema.parse({
      protocols: { http: { endpoint: `127.0.0.1:${httpPort}` }, grpc: { endpoint: `127.0.0.1:${grpcPort}` } },
    });
    receiver = otlpReceiverFactory.create(config, { id: 'otlp', logger: silentLogger() }, consumer);
    await receiver.start();
    grpc = new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
  });
  afterAll(async () => {
    grpc.close();
    await receiver.shutdown();
  });

  it('HTTP answers 200 or 400 exactly as the decoder predicts, and keeps serving good requests', async () => {
    const random = new Random(7);
    for (let i = 0; i < 300; i++) {
      const json = i % 3 === 0;
      const valid = json ? utf8.encode(encodeTracesJson(randomTraces(i + 1))) : encodeTracesProtobuf(randomTraces(i + 1));
      const body = mutate(valid, random);
      const expected = decodeOrReject(() => (json ? decodeTracesJson(body) : decodeTracesProtobuf(body)));
      const response = await fetch(httpUrl, {
        method: 'POST',
        body,
        headers: { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' },
      });
      await response.arrayBuffer();
      expect(response.status, `body ${i}`).toBe('rejected' in expected ? 400 : 200);
      if (i % 25 === 0) {
        const good = await fetch(httpUrl, { method: 'POST', body: marker(`good ${i}`), headers: { 'Content-Type': 'application/x-protobuf' } });
        expect(good.status).toBe(200);
        expect(received).toContain(`good ${i}`);
      }
    }
  });

  it('gRPC answers OK or INVALID_ARGUMENT exactly as the decoder predicts, and keeps serving good calls', async () => {
    const random = new Random(11);
    const call = (message: Uint8Array) =>
      new Promise<ServiceError | undefined>((resolve) =>
        grpc.makeUnaryRequest(
          TRACE_SERVICE_EXPORT_PATH,
          (bytes: Uint8Array) => Buffer.from(bytes),
          (bytes: Buffer) => bytes,
          message,
          (error) => resolve(error ?? undefined),
        ),
      );
    for (let i = 0; i < 200; i++) {
      const body = mutate(encodeTracesProtobuf(randomTraces(i + 1)), random);
      const expected = decodeOrReject(() => decodeTracesProtobuf(body));
      const error = await call(body);
      expect(error?.code ?? GrpcCode.OK, `message ${i}`).toBe('rejected' in expected ? GrpcCode.INVALID_ARGUMENT : GrpcCode.OK);
      if (i % 25 === 0) {
        expect(await call(marker(`good grpc ${i}`))).toBeUndefined();
        expect(received).toContain(`good grpc ${i}`);
      }
    }
  });
});
