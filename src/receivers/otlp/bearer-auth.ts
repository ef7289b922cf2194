import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header value carries the configured bearer token. Compared as SHA-256 digests in
 * constant time, so neither the token's length nor its prefix leaks through response timing.
 */
export function carriesBearerToken(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  return timingSafeEqual(sha256(match[1]!), sha256(token));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
