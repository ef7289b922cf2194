/** The request config keys of the exporters (MLflow and otlphttp over HTTP, otlp over gRPC), shared so that each means the same everywhere. */
import { z } from 'zod';
import { durationMs } from '../../config/units.js';

export const compressionConfigSchema = z.enum(['gzip', 'none']).default('gzip');

/** Per request or call; each exporter picks its default (the Collector's otlphttp exporter waits 30 s, its otlp exporter 5 s). */
export const requestTimeoutConfigSchema = (defaultTimeout: string) => durationMs.prefault(defaultTimeout);

/** Extra headers on every request (gRPC metadata on every call), e.g. `Authorization`. */
export const headersConfigSchema = z.record(z.string(), z.string()).default({});

export type Compression = z.output<typeof compressionConfigSchema>;
