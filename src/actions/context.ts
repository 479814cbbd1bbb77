// What every action handler receives: who is calling (an authenticated principal), the request's
// facts for policy conditions, and the services it may use. The Query API and the console build
// the same context, so both go through the same handlers and the same authorizer.
import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Transactions } from '../store/store.ts';
import type { Authorizer } from '../authz/authorizer.ts';
import type { Partition } from '../sigv4/index.ts';
import type { RequestAuthenticator } from '../domain/authentication.ts';
import type { OidcKeyCache } from '../federation/oidc-key-cache.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AuditRecorder } from '../audit/recorder.ts';
import type { MatchedStatement } from '../policy/index.ts';

// Who is calling and the request's facts live in src/domain (authentication and the authorizer
// need them below the action layer); they are re-exported for the handlers.
export type { Caller, PrincipalType, RequestFacts, SessionFacts } from '../domain/caller.ts';
import type { Caller, RequestFacts } from '../domain/caller.ts';

export interface Services {
  /** The store itself in the shared services; a request's own session in an ActionContext. */
  store: Transactions;
  secrets: SecretBox;
  authorizer: Authorizer;
  logger: Logger;
  clock: () => Date;
  /** The partition this deployment serves: every ARN it builds and accepts is in it. */
  partition: Partition;
  /** The one SigV4 verifier (src/auth): the transports' and the authorization API's (src/protect). */
  authenticator: RequestAuthenticator;
  /** The URL clients reach iamd at (IAMD_PUBLIC_URL, else where it listens), no trailing slash: the base of the URLs iamd publishes. */
  publicUrl?: string;
  /** The OpenID Connect issuers' signing keys (AssumeRoleWithWebIdentity), one cache for the process; unset: a handler makes its own. */
  oidcKeys?: OidcKeyCache;
  /** The audit trail (src/audit), when on: transports record what the dispatch does not see (console sign-ins, workload credentials). */
  audit?: AuditRecorder;
  /** Prometheus metrics (src/metrics), when they are on: console sign-ins, workload credentials. */
  metrics?: Metrics;
}

export interface ActionContext {
  caller: Caller;
  request: RequestFacts;
  services: Services;
  requestId: string;
  /**
   * Authorizes one IAM/STS action on one resource for the caller; throws AccessDenied when the
   * policies do not allow it. Every handler calls it before it reads what it returns or changes
   * anything (the dispatcher checks that it did).
   */
  authorize(action: string, resource: string, extraContext?: Record<string, string | string[]>): Promise<void>;
  authorized: boolean;
  /** The last action and resource authorized (the audit trail names the policy that allowed it). */
  lastAuthorized?: {
    action: string;
    resource: string;
    extra?: Record<string, string | string[]>;
    /** What allowed it: the first allowing statement of each policy that had to (none for root). */
    allowedBy: readonly MatchedStatement[];
  };
}

/** The context an action runs in, for an authenticated caller (Query API and console alike). */
export function createActionContext(caller: Caller, request: RequestFacts, shared: Services, requestId: string): ActionContext {
  // The request's own store session: the authorizer's reads join the handler's transaction.
  const services: Services = { ...shared, store: shared.store.session() };
  const ctx: ActionContext = {
    caller,
    request,
    services,
    requestId,
    authorized: false,
    async authorize(action, resource, extra) {
      const allowedBy = await services.authorizer.authorize(caller, action, resource, request, extra, { store: services.store });
      ctx.authorized = true;
      ctx.lastAuthorized = { action, resource, extra, allowedBy };
    },
  };
  return ctx;
}
