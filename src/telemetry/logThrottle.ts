/** How often a repeated warning is let through by default. */
export const THROTTLED_LOG_INTERVAL_MS = 30_000;

/**
 * Lets a warning that repeats with every request or retry through at most once per interval, and says how many were
 * held back since the last one: through a long outage (MLflow down, memory over its limit) each refused request and
 * each retry of held roots logged a line, the retries with a stack trace, ~80 MB a day for one app retrying every second.
 */
export class LogThrottle {
  private loggedAtMs = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(
    private readonly intervalMs = THROTTLED_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined while the warning is held back; else how many were held back before this one. */
  pass(): { suppressed: number } | undefined {
    const now = this.now();
    if (now - this.loggedAtMs < this.intervalMs) {
      this.held++;
      return undefined;
    }
    this.loggedAtMs = now;
    const suppressed = this.held;
    this.held = 0;
    return { suppressed };
  }
}
