/**
 * A constant table looked up by text that comes from outside (a span's provider or server, a service tier, a reported
 * span kind): an object without a prototype, so that `constructor`, `__proto__` or `toString` find nothing. Looked up
 * in an object literal, a span naming its provider `constructor` got Object's constructor function back for a
 * provider's name, and the batch failed with a retryable error, for ever.
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
