/**
 * Collections used as queues: oldest out, newest in. JavaScript's Map and Set keep insertion order too, but V8
 * leaves a hole for every deleted entry until the table is next rebuilt, and each new iterator walks the holes from
 * the start: reading the oldest entry of a 10,000-entry Map used that way took ~6 µs, and trace assembly does it for
 * every trace it finishes under load.
 */

interface Link<K, V> {
  key: K;
  value: V;
  older: Link<K, V> | undefined;
  newer: Link<K, V> | undefined;
}

/** A map in insertion order with the oldest entry at hand: a Map of links in a doubly linked list. */
export class QueueMap<K, V> {
  private readonly links = new Map<K, Link<K, V>>();
  private oldestLink: Link<K, V> | undefined;
  private newestLink: Link<K, V> | undefined;

  get size(): number {
    return this.links.size;
  }

  /** Adds the entry as the newest; a key already present moves there with its new value. */
  set(key: K, value: V): void {
    this.delete(key);
    const link: Link<K, V> = { key, value, older: this.newestLink, newer: undefined };
    if (this.newestLink === undefined) this.oldestLink = link;
    else this.newestLink.newer = link;
    this.newestLink = link;
    this.links.set(key, link);
  }

  delete(key: K): boolean {
    const link = this.links.get(key);
    if (link === undefined) return false;
    this.links.delete(key);
    if (link.older === undefined) this.oldestLink = link.newer;
    else link.older.newer = link.newer;
    if (link.newer === undefined) this.newestLink = link.older;
    else link.newer.older = link.older;
    return true;
  }

  oldest(): V | undefined {
    return this.oldestLink?.value;
  }

  /** Oldest first. Deleting the entry just visited is safe; other changes during the walk are not. */
  *values(): IterableIterator<V> {
    for (let link = this.oldestLink; link !== undefined; ) {
      const newer = link.newer;
      yield link.value;
      link = newer;
    }
  }
}

/** The last `capacity` distinct keys added; adding one more forgets the oldest. */
export class RecentKeys<K> {
  private readonly keys = new Set<K>();
  /** The keys in the order they were added, as a ring: `next` is the oldest once the ring is full. */
  private readonly ring: K[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.keys.size;
  }

  has(key: K): boolean {
    return this.keys.has(key);
  }

  add(key: K): void {
    if (this.keys.has(key)) return;
    if (this.ring.length < this.capacity) this.ring.push(key);
    else {
      this.keys.delete(this.ring[this.next]!);
      this.ring[this.next] = key;
      this.next = (this.next + 1) % this.capacity;
    }
    this.keys.add(key);
  }
}
