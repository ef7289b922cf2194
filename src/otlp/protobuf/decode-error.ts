/**
 * The one error both OTLP decoders (protobuf and JSON) throw for data they cannot accept. Receivers map it to HTTP 400 /
 * gRPC INVALID_ARGUMENT, so the message must tell a sender what is wrong and where:
 * `resourceSpans[0].scopeSpans[1].spans[3].attributes[2]: wire type 5 not valid for field 1 (key)`.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';

  constructor(
    /** What is wrong, without the location. */
    readonly reason: string,
    /** Where, as a dotted path from the request root (`resourceSpans[0].scopeSpans[1]`); empty for the root. */
    readonly path = '',
    /** The path's segments, outermost first, and how many were left out of its middle (see `nestError`). */
    private readonly located: { segments: readonly string[]; elided: number } = { segments: path === '' ? [] : [path], elided: 0 },
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
  }

  /** The same error located one level further out. */
  nestedIn(segment: string): OtlpDecodeError {
    const segments = [segment, ...this.located.segments];
    let elided = this.located.elided;
    // A path through values nested hundreds deep would make a message of hundreds of kilobytes: the outermost and
    // innermost segments say where, the middle only repeats.
    if (segments.length > 2 * KEPT_SEGMENTS) {
      segments.splice(KEPT_SEGMENTS, 1);
      elided++;
    }
    const path = elided === 0 ? segments.join('.') : `${segments.slice(0, KEPT_SEGMENTS).join('.')}.(${elided} more).${segments.slice(KEPT_SEGMENTS).join('.')}`;
    return new OtlpDecodeError(this.reason, path, { segments, elided });
  }
}

/** Segments kept at each end of a long path. */
const KEPT_SEGMENTS = 8;

/**
 * Re-throws `error` located one level further out. Decoders build the path while the error propagates (callers wrap
 * the child they were decoding) so the success path carries no path-building cost at all.
 */
export function nestError(error: unknown, segment: string): OtlpDecodeError {
  if (!(error instanceof OtlpDecodeError)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new OtlpDecodeError(reason, segment);
  }
  return error.nestedIn(segment);
}

/**
 * How deep array and kvlist values may nest within each other: protobuf's own default recursion limit. Deeper input is
 * broken or hostile, and decoding it (or walking it later: encoding, rendering) would run out of stack; refused with a
 * message that says so rather than the stack's own.
 */
export const MAX_VALUE_NESTING = 100;

let valueNesting = 0;

/**
 * Runs `decode` one array or kvlist level deeper, refusing to go past MAX_VALUE_NESTING. Decoding is synchronous, so
 * one counter serves every request.
 */
export function nestedValue<T>(decode: () => T): T {
  if (valueNesting >= MAX_VALUE_NESTING) throw new OtlpDecodeError(`values nested deeper than ${MAX_VALUE_NESTING} levels (arrays and kvlists within each other)`);
  valueNesting++;
  try {
    return decode();
  } finally {
    valueNesting--;
  }
}
