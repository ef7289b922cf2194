import type { Receiver } from '../../pipeline/consumer.js';
import type { ReceiverFactory } from '../../pipeline/component.js';
import { otlpReceiverConfigSchema } from './config.js';
import type { OtlpReceiverConfig } from './config.js';
import { OtlpGrpcReceiver } from './grpc-receiver.js';
import { OtlpHttpReceiver } from './http-receiver.js';

/** The `otlp` receiver: one component, one listener per configured protocol, all feeding the same pipelines. */
export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  type: 'otlp',
  configSchema: otlpReceiverConfigSchema,
  create(config, context, next): Receiver {
    const listeners: Receiver[] = [];
    if (config.protocols.http) {
      listeners.push(new OtlpHttpReceiver(config.protocols.http, next, context.logger.child({ protocol: 'http' })));
    }
    if (config.protocols.grpc) {
      listeners.push(new OtlpGrpcReceiver(config.protocols.grpc, next, context.logger.child({ protocol: 'grpc' })));
    }
    return {
      async start() {
        for (const listener of listeners) await listener.start();
      },
      async shutdown(deadlineMs) {
        await Promise.all(listeners.map((listener) => listener.shutdown(deadlineMs)));
      },
    };
  },
};
