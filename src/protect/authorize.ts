// The authorization API (issue #13): a protected service (its middleware, its gateway) relays the
// signed request it received from its client, and iamd answers whether that client may perform an
// action on a resource: Authorize, BatchAuthorize (up to 30 decisions for one signature check) and
// Authenticate (who signed it).
//
// Two principals take part. The CALLER is the protected service, authenticated by its transport
// like any iamd caller and allowed `iamd:Authorize` on `arn:…:iamd::ACCOUNT:service/NAME` for the
// service name of the embedded request's credential scope. The CLIENT signed the EMBEDDED request
// for that service (SigV4, any region of the served partition): it is verified by the one verifier
// (src/auth, `services.authenticator`) with the client's secret, which never leaves iamd, and decided
// by the one authorizer (src/authz) with its identity policies, boundary, session policies and the
// resource policy (given, or stored in iamd), with the request facts as the protected service saw
// them. A request that does not verify is an answer (Authenticated false, SigV4's error), not an
// error of the call.
//
// The decision path — verifyEmbedded (the caller's permission, then the client's signature),
// answerFor (the decision, the principal, how long it may be reused) — is also a gateway's
// (./gateway-check.ts: CheckGatewayRequest), which only adds the route mapping in between.
import { isIP } from 'node:net';
import type { ActionContext, Caller } from '../actions/context.ts';
import type { IamdHandlers } from '../actions/registry.ts';
import type {
  AuthenticatedPrincipal,
  AuthenticationError,
  AuthorizationEntry,
  AuthorizationResult,
  AuthorizeResponse,
  PrincipalTypeType,
  SignedRequest,
} from '../actions/generated/iamd.ts';
import type { ContextValues } from '../authz/authorizer.ts';
import { decidingStatements } from '../authz/matched-statements.ts';
import type { Authenticated } from '../domain/authentication.ts';
import { AwsError } from '../errors/aws-error.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { accessDeniedMessage, compilePolicy, firstErrorMessage, parsePolicy, type CompiledPolicy } from '../policy/index.ts';
import { MAX_SKEW_MS, type ParsedSignature, type RawRequest } from '../sigv4/index.ts';

/** Service names whose requests are iamd's own API: they are not protected through this one. */
const RESERVED_SERVICES: ReadonlySet<string> = new Set(['iam', 'sts']);
/** The longest a caller may reuse an answer for the same signed request. */
export const MAX_CACHE_TTL_SECONDS = 60;
const EMPTY_BODY = Buffer.alloc(0);
const SERVICE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const CONTEXT_KEY = /^[^:\s]+:\S/;

/** The ARN the caller needs `iamd:Authorize` on, for one protected service. */
export function protectedServiceArn(partition: string, accountId: string, service: string): string {
  return `arn:${partition}:iamd::${accountId}:service/${service}`;
}

/** The embedded request, as the one verifier takes it. */
interface Embedded {
  raw: RawRequest;
  sourceIp: string | undefined;
}

function embeddedRequest(r: SignedRequest): Embedded {
  if (r.Body !== undefined && r.PayloadHash !== undefined) throw awsError('embeddedBodyAndHash');
  if (!r.Path.startsWith('/')) throw awsError('embeddedPathInvalid');
  const rawHeaders: string[] = [];
  for (const [name, value] of Object.entries(r.Headers)) rawHeaders.push(name, value);
  const method = r.Method;
  const url = r.Query ? `${r.Path}?${r.Query}` : r.Path;
  const raw: RawRequest =
    r.PayloadHash !== undefined ? { method, url, rawHeaders, payloadHash: r.PayloadHash } : { method, url, rawHeaders, body: r.Body ?? EMPTY_BODY };
  let sourceIp: string | undefined;
  if (r.SourceIp !== undefined) {
    const ip = r.SourceIp.startsWith('::ffff:') && isIP(r.SourceIp.slice(7)) === 4 ? r.SourceIp.slice(7) : r.SourceIp;
    if (isIP(ip) === 0) throw awsError('embeddedSourceIpInvalid', { ip: JSON.stringify(r.SourceIp) });
    sourceIp = ip;
  }
  return { raw, sourceIp };
}

/**
 * The service the embedded request is signed for: its credential scope's, or — when the signature
 * does not parse — the one its Credential names, so the caller's permission is still checked for
 * the service it relays for.
 */
function claimedService(raw: RawRequest, parsed: ParsedSignature | AwsError): string | undefined {
  if (!(parsed instanceof AwsError)) return parsed.scope.service;
  let credential: string | undefined;
  for (let i = 0; i + 1 < raw.rawHeaders.length && credential === undefined; i += 2) {
    if (raw.rawHeaders[i]!.toLowerCase() === 'authorization') credential = /Credential=([^,\s]+)/.exec(raw.rawHeaders[i + 1]!)?.[1];
  }
  const q = raw.url.indexOf('?');
  if (credential === undefined && q >= 0) {
    const value = new URLSearchParams(raw.url.slice(q + 1)).get('X-Amz-Credential');
    if (value !== null) credential = value;
  }
  const service = credential?.split('/')[3];
  return service !== undefined && SERVICE_NAME.test(service) ? service : undefined;
}

/** The service prefix of an action (`orders` of `orders:CancelOrder`). */
function serviceOfAction(action: string | undefined): string | undefined {
  const service = action?.slice(0, action.indexOf(':'));
  return service !== undefined && SERVICE_NAME.test(service) ? service : undefined;
}

/** The Context given, checked: service-prefixed keys only, and never an aws: key (iamd sets those). */
function contextOf(context: Record<string, string[]> | undefined): ContextValues | undefined {
  if (context === undefined) return undefined;
  const out: ContextValues = {};
  for (const [key, values] of Object.entries(context)) {
    if (!CONTEXT_KEY.test(key)) throw awsError('contextKeyInvalid', { key: JSON.stringify(key) });
    if (key.toLowerCase().startsWith('aws:')) throw awsError('contextKeyReserved', { key: JSON.stringify(key) });
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

// Resource policies given in requests, compiled once: a middleware sends the same few again and again.
const inlinePolicies = new Map<string, CompiledPolicy>();
let inlineChars = 0;
const MAX_INLINE_CHARS = 8 * 1024 * 1024;

/** A resource policy given in the request, validated as AWS validates resource-based policies. */
function inlinePolicy(text: string, partition: string): CompiledPolicy {
  const key = `${partition}\n${text}`;
  const hit = inlinePolicies.get(key);
  if (hit) return hit;
  const parsed = parsePolicy(text, 'resource', { partition });
  if (!parsed.document) throw awsError('malformedPolicyDocument', { detail: firstErrorMessage(parsed.findings) ?? messageText('policyLegacyParsing') });
  const compiled = compilePolicy(parsed.document, { type: 'resource', name: 'ResourcePolicy' });
  if (inlineChars + key.length > MAX_INLINE_CHARS) {
    inlinePolicies.clear();
    inlineChars = 0;
  }
  inlinePolicies.set(key, compiled);
  inlineChars += key.length;
  return compiled;
}

/** One decision asked for, checked before anything is decided. */
export interface Question {
  action: string;
  resource: string;
  context: ContextValues | undefined;
  resourcePolicy: CompiledPolicy | undefined;
}

function questionOf(entry: AuthorizationEntry, partition: string): Question {
  return {
    action: entry.Action,
    resource: entry.Resource,
    context: contextOf(entry.Context),
    resourcePolicy: entry.ResourcePolicy === undefined ? undefined : inlinePolicy(entry.ResourcePolicy, partition),
  };
}

/** The embedded request, verified; or the reason it is not authentic, as the answer reports it. */
export type Verification = { authenticated: Authenticated; error?: undefined } | { authenticated?: undefined; error: AuthenticationError };

/** Which service the caller's permission is checked for. */
export type ServiceToCheck =
  /** The one the embedded request is signed for; `fallback` when it names none at all (Authorize…). */
  | { fallback: string | undefined }
  /** Exactly this one (a gateway's): a request signed for another service is not authentic here. */
  | { required: string };

/**
 * Checks that the caller may ask for the embedded request's service, then verifies the request
 * with the one verifier.
 */
export async function verifyEmbedded(ctx: ActionContext, request: SignedRequest, services: ServiceToCheck): Promise<Verification> {
  const { raw, sourceIp } = embeddedRequest(request);
  const authenticator = ctx.services.authenticator;
  const now = ctx.services.clock();
  const parsed = authenticator.parse(raw, now);
  const claimed = claimedService(raw, parsed);
  if (!('required' in services) && claimed !== undefined && RESERVED_SERVICES.has(claimed.toLowerCase())) {
    throw awsError('protectedServiceReserved', { service: claimed });
  }
  const service = 'required' in services ? services.required : (claimed ?? services.fallback ?? '*');
  await ctx.authorize('iamd:Authorize', protectedServiceArn(ctx.caller.partition, ctx.caller.accountId, service));
  if (parsed instanceof AwsError) return { error: errorOf(parsed) };
  if (parsed.scope.service !== service) return { error: errorOf(awsError('credentialWrongService', { service })) };
  try {
    return { authenticated: await authenticator.verify(raw, parsed, now, { sourceIp }) };
  } catch (error) {
    if (error instanceof AwsError) return { error: errorOf(error) };
    throw error;
  }
}

function errorOf(error: AwsError): AuthenticationError {
  return { Code: error.code, Message: error.message, HttpStatus: error.status };
}

/**
 * How long the caller may reuse an answer for this exact signed request: at most a minute, and
 * never past the credential's expiry or the end of the signature's own validity.
 */
export function cacheTtlSeconds(who: Authenticated): number {
  const now = who.facts.now.getTime();
  let until = now + MAX_CACHE_TTL_SECONDS * 1000;
  const expires = who.caller.session?.expiresAt.getTime();
  if (expires !== undefined && expires < until) until = expires;
  const signature = who.signature;
  const signatureEnds = signature.date.getTime() + (signature.form === 'query' ? (signature.expiresSeconds ?? 0) * 1000 : MAX_SKEW_MS);
  if (signatureEnds < until) until = signatureEnds;
  return Math.max(0, Math.floor((until - now) / 1000));
}

export async function principalOf(ctx: ActionContext, caller: Caller): Promise<AuthenticatedPrincipal> {
  // Only a signature authenticates a client; a gateway's token never does.
  if (caller.type === 'Gateway' || caller.type === 'Anonymous') throw new Error('only a signature authenticates the client of an embedded request');
  const { tags } = await ctx.services.authorizer.policiesOf(caller, ctx.services.store);
  const session = caller.session;
  const principal: AuthenticatedPrincipal = {
    Arn: caller.arn,
    AccountId: caller.accountId,
    UserId: caller.userId,
    Type: caller.type satisfies PrincipalTypeType,
    AccessKeyId: caller.accessKeyId ?? '',
    MfaAuthenticated: session?.mfaAuthenticatedAt !== undefined,
    Tags: tags,
  };
  if (caller.userName !== undefined) principal.UserName = caller.userName;
  if (session?.roleName !== undefined) principal.RoleName = session.roleName;
  if (session?.sessionName !== undefined) principal.SessionName = session.sessionName;
  if (session?.sourceIdentity !== undefined) principal.SourceIdentity = session.sourceIdentity;
  return principal;
}

/** The account that owns a resource: its ARN's, or (an ARN without one, or `*`) the protected service's. */
function resourceAccountOf(resource: string, serviceAccount: string): string {
  const account = resource === '*' ? '' : (resource.split(':', 5)[4] ?? '');
  return account === '' ? serviceAccount : account;
}

/** The resource policies stored for the ARNs one batch asks about, looked up once per ARN. */
type StoredPolicies = Map<string, CompiledPolicy | null>;

/** Decides one question for the verified client, with AWS's rules for a resource-based policy. */
async function decide(ctx: ActionContext, who: Authenticated, q: Question, ttl: number, stored?: StoredPolicies): Promise<AuthorizationResult> {
  const { authorizer, store } = ctx.services;
  const resourceAccount = resourceAccountOf(q.resource, ctx.caller.accountId);
  let resourcePolicy = q.resourcePolicy ?? (q.resource === '*' ? null : stored?.get(q.resource));
  if (resourcePolicy === undefined) {
    resourcePolicy = await authorizer.resourcePolicies.forResource(resourceAccount, q.resource, store);
    stored?.set(q.resource, resourcePolicy);
  }
  const decision = await authorizer.decide(who.caller, q.action, q.resource, who.facts, q.context, { resourcePolicy, resourceAccount, store });
  const result: AuthorizationResult = {
    Decision: decision.decision === 'Allowed' ? 'Allow' : 'Deny',
    MatchedStatements: decidingStatements(decision),
    CacheTtlSeconds: ttl,
  };
  const reason = accessDeniedMessage(decision, who.caller.arn, q.action, q.resource);
  if (reason !== undefined) result.Reason = reason;
  return result;
}

/** The answer for a request that is not authentic: Deny, with SigV4's error, never to be reused. */
export function notAuthentic(error: AuthenticationError): AuthorizeResponse {
  return { Decision: 'Deny', Authenticated: false, Error: error, MatchedStatements: [], CacheTtlSeconds: 0 };
}

/** The answer to one question about a verified client request (Authorize's, and a gateway's). */
export async function answerFor(ctx: ActionContext, who: Authenticated, question: Question): Promise<AuthorizeResponse> {
  const result = await decide(ctx, who, question, cacheTtlSeconds(who));
  return { ...result, Authenticated: true, Principal: await principalOf(ctx, who.caller) };
}

export const authorizeHandlers = {
  async Authorize(ctx, input) {
    const question = questionOf(input, ctx.caller.partition);
    const verified = await verifyEmbedded(ctx, input.Request, { fallback: serviceOfAction(input.Action) });
    if (verified.error) return notAuthentic(verified.error);
    return answerFor(ctx, verified.authenticated, question);
  },

  async BatchAuthorize(ctx, input) {
    const questions = input.Requests.map((entry) => questionOf(entry, ctx.caller.partition));
    const verified = await verifyEmbedded(ctx, input.Request, { fallback: serviceOfAction(input.Requests[0]?.Action) });
    if (verified.error) return { Authenticated: false, Error: verified.error, Results: [] };
    const who = verified.authenticated;
    const ttl = cacheTtlSeconds(who);
    const results: AuthorizationResult[] = [];
    const stored: StoredPolicies = new Map();
    for (const q of questions) results.push(await decide(ctx, who, q, ttl, stored));
    return { Authenticated: true, Principal: await principalOf(ctx, who.caller), Results: results };
  },

  async Authenticate(ctx, input) {
    const verified = await verifyEmbedded(ctx, input.Request, { fallback: undefined });
    if (verified.error) return { Authenticated: false, Error: verified.error, CacheTtlSeconds: 0 };
    const who = verified.authenticated;
    return { Authenticated: true, Principal: await principalOf(ctx, who.caller), CacheTtlSeconds: cacheTtlSeconds(who) };
  },
} satisfies IamdHandlers;
