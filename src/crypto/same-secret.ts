// Comparing a secret a client presented (a token, a code, a CSRF value) with the one expected,
// in time that does not depend on where they differ.
import { timingSafeEqual } from 'node:crypto';

/** True when both strings are the same; compares their UTF-8 bytes in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
