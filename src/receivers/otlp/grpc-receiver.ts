import { Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import type { Deadline, ServerUnaryCall, handleUnaryCall } from '@grpc/grpc-js';
import {
  OtlpDecodeError,
  decodeTracesProtobuf,
  encodeExportTraceResponse,
  encodeRetryInfo,
  encodeRpcStatus,
} from '../../otlp/index.js';
import { toBuffer, traceServiceDefinition } from '../../otlp/grpc-service.js';
import type { RpcStatus } from '../../otlp/index.js';
import type { TracesData } from '../../otlp/model.js';
import type { PipelineError, Receiver, TracesConsumer } from '../../pipeline/consumer.js';
import type { Logger } from '../../telemetry/logger.js';
import { LogThrottle } from '../../telemetry/logThrottle.js';
import { carriesBearerToken } from './bearer-auth.js';
import type { GrpcProtocolConfig } from './config.js';
import { EXPERIMENT_HEADER, handleExport, requestExperiment } from './export-handler.js';
import { GrpcCode } from './grpc-codes.js';
import { readServerTlsFiles } from './tls-files.js';
import type { ServerTlsFiles } from './tls-files.js';

/**
 * A RetryInfo lets OTLP clients throttle instead of backing off blindly; when the pipeline names no delay,
 * ask for a short one.
 */
const DEFAULT_RETRY_DELAY_SECONDS = 1;

/** A failure answered with a gRPC status, its `google.rpc.Status` in `grpc-status-details-bin`. */
class GrpcFailure extends Error {
  constructor(readonly status: RpcStatus) {
    super(status.message);
  }
}

/** OTLP/gRPC receiver for traces: unary `TraceService/Export`, identity or gzip/deflate message compression. */
export class OtlpGrpcReceiver implements Receiver {
  private readonly server: Server;
  private boundPort: number | undefined;

  constructor(
    private readonly config: GrpcProtocolConfig,
    next: TracesConsumer,
    private readonly logger: Logger,
  ) {
    this.server = new Server({
      // grpc-js enforces this on the inflated message too, answering RESOURCE_EXHAUSTED without RetryInfo.
      'grpc.max_receive_message_length': config.max_recv_msg_size,
    });
    this.server.addService(traceServiceDefinition, { Export: exportHandler(config, next, logger) });
  }

  async start(): Promise<void> {
    const { host, port } = this.config.endpoint;
    const credentials = this.config.tls ? serverCredentials(readServerTlsFiles(this.config.tls)) : ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(hostPort(host, port), credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
    });
    this.logger.info({ endpoint: this.address, tls: Boolean(this.config.tls) }, 'OTLP/gRPC receiver listening');
  }

  /** `host:port` actually bound (useful when configured with port 0), as gRPC clients take it. */
  get address(): string {
    if (this.boundPort === undefined) throw new Error('the OTLP/gRPC receiver is not started');
    return hostPort(this.config.endpoint.host, this.boundPort);
  }

  async shutdown(deadlineMs = 5000): Promise<void> {
    if (this.boundPort === undefined) return;
    // Calls in flight may finish within the deadline; after it they are cancelled.
    const timer = setTimeout(() => this.server.forceShutdown(), deadlineMs);
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    clearTimeout(timer);
  }
}

/** The unary `Export` handler: authenticate, decode, skip calls the client gave up on, run the shared export. */
export function exportHandler(
  config: Pick<GrpcProtocolConfig, 'auth'>,
  next: TracesConsumer,
  logger: Logger,
): handleUnaryCall<Uint8Array, Uint8Array> {
  const handle = async (call: ServerUnaryCall<Uint8Array, Uint8Array>): Promise<Uint8Array> => {
    if (config.auth && !carriesBearerToken(firstString(call.metadata, 'authorization'), config.auth.bearer_token)) {
      throw new GrpcFailure({ code: GrpcCode.UNAUTHENTICATED, message: 'missing or wrong bearer token in the authorization metadata' });
    }
    const experiment = requestExperiment(firstString(call.metadata, EXPERIMENT_HEADER));
    if ('problem' in experiment) {
      throw new GrpcFailure({ code: GrpcCode.INVALID_ARGUMENT, message: experiment.problem, badRequest: [{ field: EXPERIMENT_HEADER, description: experiment.problem }] });
    }
    const data = decodeRequest(call.request);
    // The client has given up (deadline passed, call cancelled) and will retry: forwarding now would duplicate.
    if (call.cancelled || hasPassed(call.getDeadline())) {
      logger.debug('OTLP/gRPC export dropped: the client cancelled or its deadline passed');
      throw new GrpcFailure({ code: GrpcCode.DEADLINE_EXCEEDED, message: 'deadline exceeded or call cancelled before the export was processed' });
    }
    const outcome = await handleExport(data, next, experiment.id);
    if (!outcome.ok) throw pipelineFailure(outcome.error);
    return encodeExportTraceResponse(outcome.partialSuccess, 'protobuf');
  };
  // Refusals come with every request of every app while they last: said at most every 30 s.
  const refusals = new LogThrottle();
  return (call, callback) => {
    handle(call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatusResponse(error, logger, refusals)),
    );
  };
}

function toStatusResponse(error: unknown, logger: Logger, refusals: LogThrottle): { code: number; details: string; metadata: Metadata } {
  let status: RpcStatus;
  if (error instanceof GrpcFailure) {
    status = error.status;
    logFailure(status, logger, refusals);
  } else {
    // Only a bug gets here; the client learns no internals.
    logger.error({ err: error }, 'OTLP/gRPC export handler failed');
    status = { code: GrpcCode.INTERNAL, message: 'internal error while handling the export' };
  }
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', toBuffer(encodeRpcStatus(status, 'protobuf')));
  if (status.retryDelaySeconds !== undefined) {
    metadata.set('google.rpc.retryinfo-bin', toBuffer(encodeRetryInfo(status.retryDelaySeconds)));
  }
  return { code: status.code, details: status.message, metadata };
}

/** UNAVAILABLE warns (the client retries); INTERNAL is an error, as a 500 is on HTTP: not retried, its spans are lost. */
function logFailure(status: RpcStatus, logger: Logger, refusals: LogThrottle): void {
  const fields = { code: status.code, reason: status.message };
  if (status.code === GrpcCode.UNAVAILABLE) {
    const passed = refusals.pass();
    if (passed !== undefined) logger.warn({ ...fields, ...passed }, 'OTLP/gRPC export refused; the client retries (said at most every 30 s)');
  } else if (status.code === GrpcCode.INTERNAL) {
    logger.error(fields, 'OTLP/gRPC export failed; the client does not retry INTERNAL and drops these spans');
  } else {
    logger.debug(fields, 'OTLP/gRPC export rejected');
  }
}

function decodeRequest(message: Uint8Array): TracesData {
  try {
    return decodeTracesProtobuf(message);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    const problem = `invalid protobuf ExportTraceServiceRequest: ${error.message}`;
    throw new GrpcFailure({ code: GrpcCode.INVALID_ARGUMENT, message: problem, badRequest: [{ field: 'request', description: problem }] });
  }
}

/** Retryable failures are UNAVAILABLE (RESOURCE_EXHAUSTED would only be retried with RetryInfo; UNAVAILABLE always is). */
function pipelineFailure(error: PipelineError): GrpcFailure {
  switch (error.kind) {
    case 'invalid':
      return new GrpcFailure({
        code: GrpcCode.INVALID_ARGUMENT,
        message: error.message,
        badRequest: [{ field: 'resource_spans', description: error.message }],
      });
    case 'overloaded':
    case 'unavailable':
      return new GrpcFailure({
        code: GrpcCode.UNAVAILABLE,
        message: error.message,
        retryDelaySeconds: error.retryAfterSeconds ?? DEFAULT_RETRY_DELAY_SECONDS,
      });
    case 'internal':
      return new GrpcFailure({ code: GrpcCode.INTERNAL, message: error.message });
  }
}

function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** TLS with this certificate; under mutual TLS, clients must present a certificate the client CA signed. */
function serverCredentials({ cert, key, clientCa }: ServerTlsFiles): ServerCredentials {
  return ServerCredentials.createSsl(clientCa ?? null, [{ cert_chain: cert, private_key: key }], clientCa !== undefined);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** grpc-js gives a Date, or a number of ms (Infinity without a deadline). */
function hasPassed(deadline: Deadline): boolean {
  return (deadline instanceof Date ? deadline.getTime() : deadline) <= Date.now();
}
