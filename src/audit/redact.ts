// What of a request and its answer goes into the audit trail: never a secret. A member whose name
// says it holds one (secret access keys, passwords, session and identity tokens, MFA seeds and
// codes, SAML assertions, private keys) — or that the service model marks `sensitive` — is
// replaced by a keyed hash, `HMAC-SHA256:<base64url>`, as Vault's audit devices do: equal values
// can be correlated by who holds the key, nothing can be read back. Keys are camelCased as in
// CloudTrail's requestParameters and responseElements.
import { isoSeconds } from '../domain/time.ts';
import { hmacSha256Text } from '../sigv4/hash.ts';

/** Member names (lowercased) that hold a secret wherever they appear. */
const SECRET_NAME = /secret|password|token|seed|qrcodepng|authenticationcode|samlassertion|privatekey|credentialsecret|apikey|sealed/i;

/** Names that match the pattern above but hold no secret (kept as they are). */
const NOT_SECRET = new Set([
  'tokencodeexpiration',
  'sessiontokenversion',
  'globalendpointtokenversion',
  'accesskeyid',
  'passwordlastused',
  'passwordresetrequired',
  'passwordpolicy',
  'serviceuser',
]);

/** The signature in an Authorization header (SigV4's `Signature=<hex>`). */
const HEADER_SIGNATURE = /Signature=([0-9A-Za-z]+)/g;
/** A presigned query's signature and session token (names percent-encoded or not). */
const QUERY_SECRET = /x-amz-(signature|security-token)=/i;
const QUERY_SECRET_NAME = /^x-amz-(signature|security-token)$/i;

/** Member names whose answer isSecret keeps. */
const NAMES_KEPT = 10_000;

export class Redactor {
  constructor(
    private readonly hmacKey: Buffer,
    /** Member names the service models mark `sensitive` (lowercased). */
    private readonly sensitive: ReadonlySet<string> = new Set(),
  ) {}

  /** The keyed hash that stands for a secret value. */
  hash(value: string): string {
    return `HMAC-SHA256:${hmacSha256Text(this.hmacKey, value, 'base64url')}`;
  }

  isSecret(name: string): boolean {
    let secret = this.secretByName.get(name);
    if (secret === undefined) {
      const lower = name.toLowerCase();
      secret = !NOT_SECRET.has(lower) && (this.sensitive.has(lower) || SECRET_NAME.test(lower));
      // Member names repeat from call to call; a client's own names (context keys, headers) are
      // many but bounded here.
      if (this.secretByName.size >= NAMES_KEPT) this.secretByName.clear();
      this.secretByName.set(name, secret);
    }
    return secret;
  }

  /** isSecret's answers by member name. */
  private readonly secretByName = new Map<string, boolean>();

  /** A deep copy of value with every secret member hashed, keys camelCased, Dates as ISO strings. */
  redact(value: unknown, depth = 0): unknown {
    if (value === null || value === undefined) return null;
    if (depth > 12) return '…';
    if (value instanceof Date) return isoSeconds(value);
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) return this.hash(Buffer.from(value).toString('base64'));
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1));
    if (typeof value === 'object') {
      const out: Record<string, unknown> = {};
      const object = value as Record<string, unknown>;
      for (const k in object) {
        if (!Object.hasOwn(object, k)) continue;
        const v = object[k];
        if (v === undefined) continue;
        out[camel(k)] = this.isSecret(k) ? this.secretValue(v) : typeof v === 'string' ? this.signatureFree(k, v) : this.redact(v, depth + 1);
      }
      return out;
    }
    return value;
  }

  /**
   * A signed request relayed by a protected service (Authorize and its kin): its signature could
   * replay the request within its validity, so the `Signature=` of an Authorization header and a
   * presigned query's X-Amz-Signature and X-Amz-Security-Token are hashed; the rest (the access
   * key id, the scope, the signed headers) stays, to say who signed.
   */
  private signatureFree(name: string, value: string): string {
    // Most members are neither: their name's length says so before any lower-casing.
    if (name.length !== 13 && name.length !== 5) return value;
    const lower = name.toLowerCase();
    if (lower === 'authorization') return value.replace(HEADER_SIGNATURE, (_, sig: string) => `Signature=${this.hash(sig)}`);
    if (lower === 'query' && QUERY_SECRET.test(value))
      return value
        .split('&')
        .map((pair) => {
          const eq = pair.indexOf('=');
          return eq > 0 && QUERY_SECRET_NAME.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${this.hash(pair.slice(eq + 1))}` : pair;
        })
        .join('&');
    return value;
  }

  private secretValue(v: unknown): unknown {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return this.hash(v);
    if (typeof v === 'number' || typeof v === 'boolean') return this.hash(String(v));
    // A structure under a secret's name (Credentials): each of its members hashed.
    return this.hash(JSON.stringify(v));
  }
}

/** CloudTrail's camelCase: the first letter lowered (`UserName` → `userName`). */
export function camel(key: string): string {
  if (key.length === 0) return key;
  const first = key.charCodeAt(0);
  // Already lower (or not a letter): the key itself, no new string.
  if (first >= 97 && first <= 122) return key;
  // Member names repeat from record to record: each is lowered once.
  let lowered = camelCase.get(key);
  if (lowered === undefined) {
    lowered = first >= 65 && first <= 90 ? String.fromCharCode(first + 32) + key.slice(1) : first < 128 ? key : key[0]!.toLowerCase() + key.slice(1);
    if (camelCase.size >= NAMES_KEPT) camelCase.clear();
    camelCase.set(key, lowered);
  }
  return lowered;
}
const camelCase = new Map<string, string>();
