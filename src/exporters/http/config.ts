/** The config keys of an exporter that posts over HTTP, shared so that each means the same everywhere. */
import { z } from 'zod';
import { durationMs } from '../../config/units.js';

export const compressionConfigSchema = z.enum(['gzip', 'none']).default('gzip');

/** Per HTTP request; each exporter picks its default (the Collector's otlphttp exporter waits 30 s). */
export const requestTimeoutConfigSchema = (defaultTimeout: string) => durationMs.prefault(defaultTimeout);

/** Extra headers on every request, e.g. `Authorization`. */
export const headersConfigSchema = z.record(z.string(), z.string()).default({});

export type Compression = z.output<typeof compressionConfigSchema>;
