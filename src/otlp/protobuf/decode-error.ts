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
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
  }
}

/**
 * Re-throws `error` located one level further out. Decoders build the path while the error propagates (callers wrap
 * the child they were decoding) so the success path carries no path-building cost at all.
 */
export function nestError(error: unknown, segment: string): OtlpDecodeError {
  if (!(error instanceof OtlpDecodeError)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new OtlpDecodeError(reason, segment);
  }
  return new OtlpDecodeError(error.reason, error.path === '' ? segment : `${segment}.${error.path}`);
}
