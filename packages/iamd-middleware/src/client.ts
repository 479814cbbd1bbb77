// The client of iamd's authorization API: one signed POST /iamd/authorize per decision not in the
// cache. The service signs its own calls (Signature V4, signing name `iam`) with its credentials:
// given ones, or the AWS default credential chain (environment, shared files, container or
// instance credentials — so a service started with `iamd exec` needs no key either).
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { type CacheQuestion, DecisionCache, cacheKey } from './cache.ts';
import { type ReceivedRequest, type SignedRequestMaterial, requestMaterial, scopeService } from './material.ts';

export interface IamdCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface IamdClientOptions {
  /** iamd's base URL, e.g. `http://127.0.0.1:8900`. */
  endpoint: string;
  /** The region the calls to iamd are signed for (any region of iamd's partition). Default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1. */
  region?: string;
  /** The service's own credentials, or a provider of them. Default: the AWS default credential chain (`fromNodeProviderChain`). */
  credentials?: IamdCredentials | (() => Promise<IamdCredentials>);
  /** Most decisions kept (each only for the CacheTtlSeconds iamd gave it). Default 10,000; 0 turns the cache off. */
  cacheSize?: number;
  /** Time allowed for one call to iamd. Default 5,000 ms. */
  timeoutMs?: number;
  /** Largest body the middleware reads itself when nothing read it before. Default 1 MiB. */
  bodyLimit?: number;
  /** Told when iamd cannot be asked (network, iamd refusing the service's own call…); the client's request is then answered 500. Default: console.error. */
  onError?: (error: Error) => void;
  /**
   * The service name your clients sign with (the credential scope's, e.g. `orders`). A request signed
   * for another service is refused 401 here, as AWS refuses it, without asking iamd. Default: the
   * prefix of each route's action (`orders` of `orders:CancelOrder`).
   */
  service?: string;
  /** For tests: the clock the cache uses. */
  now?: () => number;
}

/** Extra condition keys the service knows (`orders:Amount`); numbers and booleans are sent as strings, every value as a list. */
export type ConditionContext = Record<string, string | number | boolean | readonly (string | number | boolean)[]>;

export interface AuthorizeQuestion {
  /** `service:Action`, e.g. `orders:CancelOrder`. */
  action: string;
  /** The resource ARN, e.g. `arn:aws:orders:us-east-1:111122223333:order/42`. */
  resource: string;
  context?: ConditionContext;
  /** A resource-based policy (JSON) to evaluate instead of the one stored in iamd for the resource. */
  resourcePolicy?: string;
}

/** Who signed the request, as iamd resolved it. */
export interface IamdPrincipal {
  Arn: string;
  AccountId: string;
  UserId: string;
  Type: 'User' | 'AssumedRole' | 'Root' | 'FederatedUser' | string;
  UserName?: string;
  RoleName?: string;
  SessionName?: string;
  SourceIdentity?: string;
  AccessKeyId?: string;
  MfaAuthenticated?: boolean;
  Tags?: Record<string, string>;
}

export interface MatchedStatement {
  SourcePolicyId?: string;
  SourcePolicyType?: string;
  Effect?: 'Allow' | 'Deny';
  Sid?: string;
}

/** What an allowed request carries on (`req.iamd`). */
export interface IamdAuthorization {
  principal: IamdPrincipal;
  action: string;
  resource: string;
  matchedStatements: MatchedStatement[];
  /** True when the decision came from the cache rather than a call to iamd. */
  cached: boolean;
}

export type Verdict =
  | { allowed: true; authorization: IamdAuthorization }
  | {
      allowed: false;
      /** 401: not authentic (bad, expired or missing signature); 403: authentic but not allowed. */
      status: 401 | 403;
      /** SigV4's error code from iamd (SignatureDoesNotMatch, InvalidClientTokenId…), or AccessDenied. */
      code: string;
      message: string;
      principal?: IamdPrincipal;
      cached: boolean;
    };

/** The Authorize answer, as docs/authorization-api.md defines it. */
interface AuthorizeAnswer {
  Decision?: 'Allow' | 'Deny';
  Authenticated?: boolean;
  Error?: { Code?: string; Message?: string; HttpStatus?: number };
  Reason?: string;
  Principal?: IamdPrincipal;
  MatchedStatements?: MatchedStatement[];
  CacheTtlSeconds?: number;
}

/** iamd refused or failed the service's own call (not a decision about the client's request). */
export class IamdCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`iamd answered ${status} ${code}: ${message}`);
    this.name = 'IamdCallError';
  }
}

export const AUTHORIZE_PATH = '/iamd/authorize';

export class IamdAuthorizer {
  private readonly endpoint: string;
  private readonly signer: SignatureV4;
  private readonly cache: DecisionCache<Verdict>;
  private readonly pending = new Map<string, Promise<{ verdict: Verdict; ttl: number }>>();
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly service: string | undefined;
  readonly bodyLimit: number;
  readonly onError: (error: Error) => void;

  constructor(options: IamdClientOptions) {
    if (!options.endpoint) throw new Error('createIamdClient: endpoint is required');
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.signer = new SignatureV4({ service: 'iam', region, sha256: Sha256, credentials: options.credentials ?? defaultChain() });
    this.cache = new DecisionCache(options.cacheSize ?? 10_000);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.bodyLimit = options.bodyLimit ?? 1024 * 1024;
    this.now = options.now ?? Date.now;
    this.service = options.service;
    this.onError = options.onError ?? ((error) => console.error(`[@iamd/middleware] ${error.message}`));
  }

  /**
   * Asks iamd whether the request the service received may do `action` on `resource`. Resolves to
   * the verdict; rejects only when iamd could not be asked (IamdCallError, network errors).
   */
  async authorize(received: ReceivedRequest, question: AuthorizeQuestion): Promise<Verdict> {
    const material = requestMaterial(received);
    const expected = this.service ?? question.action.slice(0, Math.max(0, question.action.indexOf(':')));
    const signedFor = scopeService(material);
    if (expected && signedFor !== undefined && signedFor !== expected) {
      // A request signed for another service (replayed here, or a client misconfigured): AWS's answer.
      return {
        allowed: false,
        status: 401,
        code: 'SignatureDoesNotMatch',
        message: `Credential should be scoped to correct service: '${expected}'. `,
        cached: false,
      };
    }
    const asked: CacheQuestion = {
      action: question.action,
      resource: question.resource,
      context: question.context ? normalizeContext(question.context) : undefined,
      resourcePolicy: question.resourcePolicy,
    };
    const key = cacheKey(material, asked);
    const hit = this.cache.get(key, this.now());
    if (hit) return withCached(hit);
    let call = this.pending.get(key);
    if (!call) {
      call = this.ask(material, asked).finally(() => this.pending.delete(key));
      this.pending.set(key, call);
    }
    const { verdict, ttl } = await call;
    if (ttl > 0) this.cache.set(key, verdict, this.now() + ttl * 1000);
    return verdict;
  }

  /** Forgets every cached decision. */
  clearCache(): void {
    this.cache.clear();
  }

  private async ask(material: SignedRequestMaterial, asked: CacheQuestion): Promise<{ verdict: Verdict; ttl: number }> {
    const body: Record<string, unknown> = { Request: material, Action: asked.action, Resource: asked.resource };
    if (asked.context) body.Context = asked.context;
    if (asked.resourcePolicy !== undefined) body.ResourcePolicy = asked.resourcePolicy;
    const answer = await this.post<AuthorizeAnswer>(AUTHORIZE_PATH, body);
    const ttl = typeof answer.CacheTtlSeconds === 'number' && answer.CacheTtlSeconds > 0 ? answer.CacheTtlSeconds : 0;
    return { verdict: toVerdict(answer, asked), ttl };
  }

  private async post<T>(path: string, payload: unknown): Promise<T> {
    const url = new URL(this.endpoint + path);
    const text = JSON.stringify(payload);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/json' },
      body: text,
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body: text,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const raw = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new IamdCallError(res.status, 'InvalidResponse', `not JSON: ${raw.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = (parsed ?? {}) as { Code?: string; Message?: string };
      throw new IamdCallError(res.status, e.Code ?? 'Unknown', e.Message ?? res.statusText);
    }
    return parsed as T;
  }
}

function toVerdict(answer: AuthorizeAnswer, asked: CacheQuestion): Verdict {
  if (answer.Authenticated !== true) {
    return {
      allowed: false,
      status: 401,
      code: answer.Error?.Code ?? 'MissingAuthenticationToken',
      message: answer.Error?.Message ?? 'Missing Authentication Token',
      cached: false,
    };
  }
  if (answer.Decision === 'Allow' && answer.Principal) {
    return {
      allowed: true,
      authorization: {
        principal: answer.Principal,
        action: asked.action,
        resource: asked.resource,
        matchedStatements: answer.MatchedStatements ?? [],
        cached: false,
      },
    };
  }
  return {
    allowed: false,
    status: 403,
    code: 'AccessDenied',
    message: answer.Reason ?? `User: ${answer.Principal?.Arn ?? 'unknown'} is not authorized to perform: ${asked.action} on resource: ${asked.resource}`,
    principal: answer.Principal,
    cached: false,
  };
}

function withCached(verdict: Verdict): Verdict {
  return verdict.allowed ? { allowed: true, authorization: { ...verdict.authorization, cached: true } } : { ...verdict, cached: true };
}

/** Every value as a list of strings, as iamd's model types Context (a one-value list is a single value). */
function normalizeContext(context: ConditionContext): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(context)) {
    out[key] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return out;
}

/** The AWS default credential chain, loaded on first use (so given credentials cost no import). */
function defaultChain(): () => Promise<IamdCredentials> {
  let provider: (() => Promise<IamdCredentials>) | undefined;
  return async () => {
    if (!provider) {
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      provider = fromNodeProviderChain();
    }
    return provider();
  };
}
