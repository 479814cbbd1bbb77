// Request rate limits, as AWS throttles its APIs: token buckets per access key and per account for
// the signed APIs, per source IP for console sign-in, and a separate per-key budget for the
// authorization API (protected services call it once per request they serve, so it must not
// share the IAM control plane's budget), per source IP for the unsigned STS operations, and per
// gateway for the gateways' checks. Off unless configured. The transports check after the
// signature is verified, so unsigned junk cannot spend a key's budget. Buckets live in this
// process: with N nodes behind a load balancer a key may make up to N times the rate.
import { awsError } from '../errors/messages.ts';

export interface RateLimit {
  /** Tokens added per second (the sustained requests/s). */
  rate: number;
  /** The bucket's size: how many requests may come at once after a quiet spell. */
  burst: number;
}

export interface ThrottleLimits {
  perKey?: RateLimit;
  perAccount?: RateLimit;
  /** Console password sign-in attempts per source IP. */
  signIn?: RateLimit;
  /** The authorization API (/iamd/authorize…, /iamd/authenticate, resource policies), per access key. */
  authorize?: RateLimit;
  /** STS operations called without a signature (AssumeRoleWithWebIdentity, AssumeRoleWithSAML), per source IP. */
  unsigned?: RateLimit;
  /** A gateway's checks (/iamd/gateway/check, forward-auth, ext-authz), per gateway. */
  gateway?: RateLimit;
}

/**
 * `RATE` or `RATE:BURST` (requests per second, bucket size); empty or `0` is no limit. The burst
 * defaults to the rate (at least 1): a client at the limit is never refused.
 */
export function parseRateLimit(value: string | undefined, what: string): RateLimit | undefined {
  if (value === undefined || value.trim() === '' || value.trim() === '0') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?::\s*(\d+)\s*)?$/.exec(value);
  const rate = m ? Number(m[1]) : Number.NaN;
  const burst = m?.[2] !== undefined ? Number(m[2]) : Math.max(1, Math.ceil(rate));
  if (!m || !(rate > 0) || !(burst >= 1)) throw new Error(`${what} must be RATE or RATE:BURST (requests per second, burst size); not '${value}'`);
  return { rate, burst };
}

/** Past this many buckets, full ones (idle long enough to have refilled) are dropped. */
const PRUNE_AT = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token from `key`'s bucket; false when it is empty (over the limit). */
  take(key: string): boolean {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.rate);
    else {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      b = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, b);
    }
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets the buckets that are full again: they hold nothing a fresh bucket would not. */
  private prune(now: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.limit.rate >= this.limit.burst) this.buckets.delete(key);
  }
}

export type ThrottledApi = 'api' | 'authorize';

export class Throttle {
  private readonly perKey?: TokenBuckets;
  private readonly perAccount?: TokenBuckets;
  private readonly signInBuckets?: TokenBuckets;
  private readonly authorizeBuckets?: TokenBuckets;
  private readonly unsignedBuckets?: TokenBuckets;
  private readonly gatewayBuckets?: TokenBuckets;

  constructor(limits: ThrottleLimits = {}, now?: () => number) {
    if (limits.perKey) this.perKey = new TokenBuckets(limits.perKey, now);
    if (limits.perAccount) this.perAccount = new TokenBuckets(limits.perAccount, now);
    if (limits.signIn) this.signInBuckets = new TokenBuckets(limits.signIn, now);
    if (limits.authorize) this.authorizeBuckets = new TokenBuckets(limits.authorize, now);
    if (limits.unsigned) this.unsignedBuckets = new TokenBuckets(limits.unsigned, now);
    if (limits.gateway) this.gatewayBuckets = new TokenBuckets(limits.gateway, now);
  }

  /**
   * Called by each transport right after the signature is verified: throws AWS's Throttling
   * (HTTP 400, "Rate exceeded"), which the SDKs retry with backoff by themselves.
   */
  check(api: ThrottledApi, accessKeyId: string, accountId: string): void {
    if (api === 'authorize') {
      if (this.authorizeBuckets && !this.authorizeBuckets.take(accessKeyId)) throw awsError('rateExceeded');
      return;
    }
    if (this.perKey && !this.perKey.take(accessKeyId)) throw awsError('rateExceeded');
    // An anonymous caller (unsigned STS operations) has no account to charge.
    if (this.perAccount && accountId !== '' && !this.perAccount.take(accountId)) throw awsError('rateExceeded');
  }

  /**
   * An unsigned STS call (AssumeRoleWithWebIdentity, AssumeRoleWithSAML) from `sourceIp`, checked
   * before its token or assertion is verified: there is no key to charge, and the verifying is the
   * work to bound. Over the limit: Throttling (HTTP 400, "Rate exceeded"), as STS answers; the
   * SDKs retry it. Behind a proxy every client shares the proxy's address: size the limit for it.
   */
  checkUnsigned(sourceIp: string): void {
    if (this.unsignedBuckets && !this.unsignedBuckets.take(sourceIp)) throw awsError('rateExceeded');
  }

  /** A gateway's check, after its token is verified: false when that gateway is over its limit. */
  allowGatewayCheck(gatewayId: string): boolean {
    return this.gatewayBuckets ? this.gatewayBuckets.take(gatewayId) : true;
  }

  /** A console sign-in attempt from `sourceIp`: false when that address is over its limit. */
  allowSignIn(sourceIp: string): boolean {
    return this.signInBuckets ? this.signInBuckets.take(sourceIp) : true;
  }
}
