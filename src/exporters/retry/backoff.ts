export interface BackoffPolicy {
  initialIntervalMs: number;
  maxIntervalMs: number;
  multiplier?: number;
  /** ±fraction of randomisation, so that many clients do not retry in lockstep. */
  jitter?: number;
}

/** The wait before retry number `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxIntervalMs, policy.initialIntervalMs * (policy.multiplier ?? 1.5) ** attempt);
  const jitter = policy.jitter ?? 0.2;
  return Math.round(base * (1 - jitter + 2 * jitter * random()));
}

/** `Retry-After` as delay-seconds or an HTTP-date (RFC 9110), in ms; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    // The listener goes with the timer: a long-lived signal (a component's stop) would otherwise gather one per wait.
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
