import type { Provenance } from './types.js';

/** Tiers remembered per price entry; past this a tier's provenance is made afresh (tier names can come off the wire). */
const MAX_TIERS = 32;

/**
 * The provenances one price entry gives, one per tier, made once and shared (frozen): an entry is priced call after
 * call with the same few tiers, and a new object for each call only fed the collector.
 */
export class Provenances {
  private readonly byTier = new Map<string, Provenance>();

  of(catalogVersion: string, entry: string, tier: string): Provenance {
    const known = this.byTier.get(tier);
    if (known !== undefined) return known;
    const provenance: Provenance = Object.freeze({ catalogVersion, entry, tier });
    if (this.byTier.size < MAX_TIERS) this.byTier.set(tier, provenance);
    return provenance;
  }
}
