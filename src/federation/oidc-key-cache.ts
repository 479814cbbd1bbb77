// The signing keys of the OpenID Connect issuers iamd trusts, kept in memory per issuer URL so that
// AssumeRoleWithWebIdentity's hot path is decode → lookup → verify → issue, with no network.
//
// Where keys come from, for an IAM OIDC provider (never for a URL a token names alone):
// - the JWKS its administrator gave (PutOpenIDConnectProviderKeys, iamd extension): parsed once per
//   text and never fetched — the way for issuers iamd cannot reach, or whose keys are not published
//   by discovery on the issuer's own host;
// - otherwise fetched: `{issuer}/.well-known/openid-configuration`, whose `issuer` must be the
//   provider's URL exactly and whose `jwks_uri` must be https on the issuer's own host (and port),
//   then that JWKS. Both within a 5 s deadline, 64 KB and 512 KB at most (./oidc-fetch.ts).
//
// Kept for the JWKS answer's Cache-Control max-age, held within [1 min, 1 h] (10 min without one).
// A token whose `kid` is not among the keys makes one refetch (key rotation) — at most one per 30 s
// per issuer, so a flood of made-up kids cannot make iamd hammer the issuer. Concurrent requests
// share one fetch. A failed fetch is remembered for 5 s: a down issuer is not asked again at every
// request. TLS: see ./oidc-fetch.ts (Node's trusted CAs; a provider's thumbprints are not used).
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import { fetchJson as httpsFetchJson, OidcFetchError, type FetchJson } from './oidc-fetch.ts';

/** A JWKS ready to verify with: jose's key lookup by the token's header (kid, alg). */
export type OidcKeySet = ReturnType<typeof createLocalJWKSet>;

export interface OidcKeyCacheOptions {
  /** Epoch milliseconds (tests give a clock). */
  now?: () => number;
  fetchJson?: FetchJson;
  timeoutMs?: number;
  discoveryMaxBytes?: number;
  jwksMaxBytes?: number;
  minTtlMs?: number;
  maxTtlMs?: number;
  defaultTtlMs?: number;
  /** At most one refetch for an unknown kid per issuer within this time. */
  unknownKidIntervalMs?: number;
  /** How long a failed fetch is answered from memory. */
  failureHoldMs?: number;
  /** Issuers kept at most (the least recently fetched go first). */
  maxIssuers?: number;
  /** Told each failed fetch, for the log. */
  onFetchError?: (issuer: string, error: OidcFetchError) => void;
}

const MAX_KEYS = 100;
/** Members only a private or symmetric key has: such a key is never used (nor imported). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

interface Entry {
  keys?: OidcKeySet;
  expiresAt: number;
  /** When the last refetch for an unknown kid started. */
  unknownKidAt: number;
  inflight?: Promise<OidcKeySet>;
  failure?: { error: OidcFetchError; until: number };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The public RSA and EC signature keys of a parsed JWKS document (others are left out), or undefined when it is no JWKS. */
export function usableKeys(document: unknown): JSONWebKeySet | undefined {
  if (!isObject(document) || !Array.isArray(document.keys)) return undefined;
  const keys: JWK[] = [];
  for (const key of document.keys.slice(0, MAX_KEYS)) {
    if (!isObject(key) || (key.kty !== 'RSA' && key.kty !== 'EC')) continue;
    if (key.use !== undefined && key.use !== 'sig') continue;
    if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(key, m))) continue;
    keys.push(key as JWK);
  }
  return { keys };
}

/** The discovery document's URL for an issuer (OpenID Connect Discovery 1.0 §4: a trailing slash is not doubled). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** The JWKS URL a discovery document gives, if iamd may fetch it for this issuer: https, same host and port. */
export function allowedJwksUri(issuer: string, document: unknown): string | undefined {
  if (!isObject(document) || document.issuer !== issuer || typeof document.jwks_uri !== 'string') return undefined;
  let jwks: URL;
  try {
    jwks = new URL(document.jwks_uri);
  } catch {
    return undefined;
  }
  const origin = new URL(issuer);
  if (jwks.protocol !== 'https:' || jwks.host !== origin.host || jwks.username || jwks.password) return undefined;
  return jwks.href;
}

export class OidcKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly given = new Map<string, { text: string; keys: OidcKeySet }>();
  private readonly now: () => number;
  private readonly fetchJson: FetchJson;
  private readonly o: Required<Omit<OidcKeyCacheOptions, 'now' | 'fetchJson' | 'onFetchError'>>;
  private readonly onFetchError?: (issuer: string, error: OidcFetchError) => void;

  constructor(options: OidcKeyCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.fetchJson = options.fetchJson ?? httpsFetchJson;
    this.onFetchError = options.onFetchError;
    this.o = {
      timeoutMs: options.timeoutMs ?? 5_000,
      discoveryMaxBytes: options.discoveryMaxBytes ?? 64 * 1024,
      jwksMaxBytes: options.jwksMaxBytes ?? 512 * 1024,
      minTtlMs: options.minTtlMs ?? 60_000,
      maxTtlMs: options.maxTtlMs ?? 3_600_000,
      defaultTtlMs: options.defaultTtlMs ?? 600_000,
      unknownKidIntervalMs: options.unknownKidIntervalMs ?? 30_000,
      failureHoldMs: options.failureHoldMs ?? 5_000,
      maxIssuers: options.maxIssuers ?? 1_000,
    };
  }

  /**
   * The keys an administrator gave a provider (its stored JWKS text), parsed once per text.
   * Undefined when the text is no JWKS (it is checked when given, so only a damaged store gets here).
   */
  givenKeys(issuer: string, text: string): OidcKeySet | undefined {
    const known = this.given.get(issuer);
    if (known?.text === text) return known.keys;
    let keys: OidcKeySet;
    try {
      const set = usableKeys(JSON.parse(text));
      if (!set) return undefined;
      keys = createLocalJWKSet(set);
    } catch {
      return undefined;
    }
    this.remember(this.given, issuer, { text, keys });
    return keys;
  }

  /** The issuer's published keys: from memory while fresh, else fetched (one fetch for concurrent callers). */
  async keys(issuer: string): Promise<OidcKeySet> {
    const now = this.now();
    const entry = this.entries.get(issuer);
    if (entry?.keys && now < entry.expiresAt) return entry.keys;
    if (entry?.inflight) return entry.inflight;
    if (entry?.failure && now < entry.failure.until) throw entry.failure.error;
    return this.fetch(issuer, entry);
  }

  /**
   * A token's kid is not among the keys: refetch, unless a refetch for an unknown kid started less
   * than the interval ago (then undefined: the caller answers that the key could not be retrieved).
   */
  async refreshForUnknownKey(issuer: string): Promise<OidcKeySet | undefined> {
    const now = this.now();
    const entry = this.entries.get(issuer);
    if (entry?.inflight) return entry.inflight;
    if (entry && now - entry.unknownKidAt < this.o.unknownKidIntervalMs) return undefined;
    if (entry?.failure && now < entry.failure.until) throw entry.failure.error;
    const fresh = entry ?? this.newEntry(issuer);
    fresh.unknownKidAt = now;
    return this.fetch(issuer, fresh);
  }

  /** Forgets an issuer's fetched and given keys (its provider was deleted or changed). */
  forget(issuer: string): void {
    this.entries.delete(issuer);
    this.given.delete(issuer);
  }

  private newEntry(issuer: string): Entry {
    const entry: Entry = { expiresAt: 0, unknownKidAt: Number.NEGATIVE_INFINITY };
    this.remember(this.entries, issuer, entry);
    return entry;
  }

  /** Inserts as the most recent, dropping the oldest beyond the bound. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > this.o.maxIssuers) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
  }

  private fetch(issuer: string, existing: Entry | undefined): Promise<OidcKeySet> {
    const entry = existing ?? this.newEntry(issuer);
    const run = async (): Promise<OidcKeySet> => {
      try {
        const discovery = await this.fetchJson(discoveryUrl(issuer), { timeoutMs: this.o.timeoutMs, maxBytes: this.o.discoveryMaxBytes });
        const jwksUri = allowedJwksUri(issuer, discovery.body);
        if (!jwksUri) {
          throw new OidcFetchError('unusable', `${discoveryUrl(issuer)}: its issuer is not ${issuer}, or its jwks_uri is not https on the issuer's host`);
        }
        const jwks = await this.fetchJson(jwksUri, { timeoutMs: this.o.timeoutMs, maxBytes: this.o.jwksMaxBytes });
        const set = usableKeys(jwks.body);
        if (!set) throw new OidcFetchError('unusable', `${jwksUri} is not a JWK Set`);
        const keys = createLocalJWKSet(set);
        const ttl = jwks.maxAgeSeconds === undefined ? this.o.defaultTtlMs : jwks.maxAgeSeconds * 1000;
        entry.keys = keys;
        entry.expiresAt = this.now() + Math.min(this.o.maxTtlMs, Math.max(this.o.minTtlMs, ttl));
        entry.failure = undefined;
        return keys;
      } catch (caught) {
        const error = caught instanceof OidcFetchError ? caught : new OidcFetchError('unusable', `${issuer}: ${String(caught)}`);
        entry.failure = { error, until: this.now() + this.o.failureHoldMs };
        this.onFetchError?.(issuer, error);
        throw error;
      } finally {
        entry.inflight = undefined;
      }
    };
    entry.inflight = run();
    return entry.inflight;
  }
}
