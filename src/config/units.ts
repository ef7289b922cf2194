import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

/** A duration in milliseconds, written as a number of ms or a string such as `500ms`, `10s`, `2m`, `1h`. */
export const durationMs = z.union([
  z.number().nonnegative(),
  z.string().transform((text, ctx) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i.exec(text);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 10s, 2m or 1h' });
      return z.NEVER;
    }
    return Number(match[1]) * DURATION_UNITS_MS[match[2]!.toLowerCase()]!;
  }),
]);

/** A duration above 0, for what is done every so often or waited for: 0 would mean busy loops or instant failures. */
export const positiveDurationMs = durationMs.pipe(z.number().refine((ms) => ms > 0, 'expected a duration above 0, such as 1s'));

/** A size in bytes above 0, written as a number or a string such as `512KiB`, `20MiB`, `1GB`. */
export const byteSize = z.union([
  z.number().int().positive(),
  z.string().transform((text, ctx) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: 'expected a size such as 4194304, 512KiB or 20MiB' });
      return z.NEVER;
    }
    const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]!);
    // Held to what the number form is held to: "0" (or "0.5b", rounded down) is no more a size than 0.
    if (bytes < 1) {
      ctx.addIssue({ code: 'custom', message: 'expected a size above 0, such as 512KiB' });
      return z.NEVER;
    }
    return bytes;
  }),
]);

/** `host:port`, as the Collector writes listener endpoints (`127.0.0.1:4318`, `0.0.0.0:4317`, `[::1]:4318`). */
export const listenEndpoint = z.string().transform((text, ctx) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]*):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'expected host:port, e.g. 127.0.0.1:4318' });
    return z.NEVER;
  }
  const host = match[1]!.replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
});

export type ListenEndpoint = z.output<typeof listenEndpoint>;

export const httpUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL');
