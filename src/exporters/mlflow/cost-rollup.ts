/**
 * How the MLflow server adds up a trace's cost, `mlflow.trace.cost`, from its spans' `mlflow.llm.cost` (read from the
 * `log_spans` of each release; mlflow-wire.md §4 for the feature itself):
 *  - `none`: before 3.10 there is no cost at all;
 *  - `sum`: 3.10 to 3.14 add up every span's cost;
 *  - `outermost`: from 3.15, only the outermost span of each chain that carries a cost counts.
 * From 3.10 the server also prices on ingest every span with token usage and a model that carries no cost. So the
 * outer spans of a nested call (a framework's span around the client's, the two spans MLflow's gemini autolog makes),
 * which tokenmeter does not count and gives no `mlflow.llm.cost`, are priced by MLflow: with `sum` the call is
 * counted twice, with `outermost` MLflow's price replaces ours. The MLflow exporter gives such a span the cost that
 * makes MLflow's total ours: zero under `sum`, the cost of the counted calls below it under `outermost`.
 */
import type { Logger } from '../../telemetry/logger.js';
import type { MlflowClient } from './client.js';

export type CostRollup = 'none' | 'sum' | 'outermost';

/** The rollup of an MLflow release (`3.17.2`, `3.15.0rc1`, `3.18.0.dev0`), or undefined for a version it cannot read. */
export function costRollupOf(version: string): CostRollup | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version.trim());
  if (match === null) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < 3 || (major === 3 && minor < 10)) return 'none';
  return major === 3 && minor < 15 ? 'sum' : 'outermost';
}

/**
 * Until the server's version is known: `outermost`, the rollup of every MLflow since 3.15. It is right there; before
 * 3.10 the server ignores the cost; from 3.10 to 3.14 the call is counted twice, as it would be without it.
 */
const UNTIL_KNOWN: CostRollup = 'outermost';
/** How long after a failed look-up the next send asks again (MLflow may come up after the sidecar). */
const RETRY_AFTER_MS = 30_000;
/** How long a known release is taken as still running: MLflow may be upgraded under a running sidecar. */
const ASK_AGAIN_AFTER_MS = 10 * 60_000;

/**
 * The rollup of the MLflow server the exporter sends to, from its `/version`: asked at start, again every 30 s while it
 * does not answer, and every 10 minutes once it has. Batches queued before an upgrade keep the rollup they were written for.
 */
export class ServerCostRollup {
  private known: CostRollup | undefined;
  private asking: Promise<void> | undefined;
  private lastAskedMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: MlflowClient,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The rollup to write spans for now; asks the server again, in the background, when it is due. */
  current(): CostRollup {
    if (this.now() - this.lastAskedMs >= (this.known === undefined ? RETRY_AFTER_MS : ASK_AGAIN_AFTER_MS)) void this.learn();
    return this.known ?? UNTIL_KNOWN;
  }

  /** Asks the server its version (once at a time); a failure is logged at debug and keeps what was known. */
  learn(): Promise<void> {
    this.lastAskedMs = this.now();
    this.asking ??= this.client
      .text('GET', '/version')
      .then((version) => {
        const rollup = costRollupOf(version);
        // An answer that is no release (a proxy's page) is taken as the default: it would not read better next time.
        const learnt = rollup ?? UNTIL_KNOWN;
        if (learnt === this.known) return;
        if (rollup === undefined) {
          this.logger.warn({ version: version.slice(0, 100) }, `MLflow's /version does not read as a release; its spans are written for MLflow >= 3.15`);
        } else {
          this.logger.info({ version: version.trim(), costRollup: rollup }, 'MLflow server version');
        }
        this.known = learnt;
      })
      .catch((error: unknown) => this.logger.debug({ err: error }, 'MLflow server version not known yet'))
      .finally(() => (this.asking = undefined));
    return this.asking;
  }
}
