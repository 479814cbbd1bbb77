// Principal / NotPrincipal matching for resource-based and trust policies.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
// An account id or `arn:aws:iam::ACCT:root` names the account (delegating to its IAM policies); a role ARN
// names the role (its sessions match through it); user, role-session and federated-user ARNs name exactly
// that principal. Wildcards inside a principal ARN are not expanded ("you cannot use a wildcard to match part
// of a principal name or ARN"), so such an entry matches nothing.
import type { EvaluationPrincipal, PrincipalBlock, PrincipalType } from './types.ts';

/** How a policy's Principal names the caller, weakest to strongest. */
export const NOT_NAMED = 0;
/** Named through its account (account id or root ARN). */
export const BY_ACCOUNT = 1;
/** A role session named through its role's ARN. */
export const BY_ROLE = 2;
/** Named exactly: its own user / session / federated-user ARN, a service or federated provider, or `*`. */
export const DIRECTLY = 3;
export type PrincipalMatch = typeof NOT_NAMED | typeof BY_ACCOUNT | typeof BY_ROLE | typeof DIRECTLY;

/** The caller, as principal matching needs it. */
export interface Caller {
  readonly arn: string;
  readonly account: string;
  readonly type: PrincipalType;
  /** `ACCOUNT:RoleName` for role sessions and roles. */
  readonly roleKey?: string;
}

/** Infers the principal type from its ARN. */
export function principalTypeOf(arn: string): PrincipalType {
  if (/^arn:[^:]+:sts::\d*:assumed-role\//.test(arn)) return 'AssumedRole';
  if (/^arn:[^:]+:sts::\d*:federated-user\//.test(arn)) return 'FederatedUser';
  if (/^arn:[^:]+:iam::\d*:root$/.test(arn)) return 'Root';
  if (/^arn:[^:]+:iam::\d*:role\//.test(arn)) return 'Role';
  if (/^arn:[^:]+:iam::\d*:user\//.test(arn)) return 'User';
  if (arn.endsWith('.amazonaws.com')) return 'Service';
  return 'User';
}

const callers = new Map<string, Caller>();
let last: Caller | undefined;
let lastType: PrincipalType | undefined;

/** The caller's matching identity (memoised: consecutive requests of one caller cost three comparisons). */
export function callerOf(p: EvaluationPrincipal): Caller {
  if (last !== undefined && p.arn === last.arn && p.account === last.account && p.type === lastType) return last;
  const memoKey = `${p.arn}\n${p.account}\n${p.type ?? ''}`;
  let c = callers.get(memoKey);
  if (c === undefined) {
    const type = p.type ?? principalTypeOf(p.arn);
    let roleKey: string | undefined;
    const session = /^arn:[^:]+:sts::(\d*):assumed-role\/([^/]+)\//.exec(p.arn);
    const role = /^arn:[^:]+:iam::(\d*):role\/(?:.*\/)?([^/]+)$/.exec(p.arn);
    if (session !== null) roleKey = `${session[1]}:${session[2]}`;
    else if (role !== null) roleKey = `${role[1]}:${role[2]}`;
    c = { arn: p.arn, account: p.account, type, roleKey };
    if (callers.size >= 4096) callers.clear();
    callers.set(memoKey, c);
  }
  last = c;
  lastType = p.type;
  return c;
}

/** A compiled Principal / NotPrincipal element. */
export interface CompiledPrincipal {
  readonly everyone: boolean;
  readonly arns: ReadonlySet<string>;
  readonly accounts: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly federated: ReadonlySet<string>;
  readonly canonicalUsers: ReadonlySet<string>;
}

const ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;
const ROLE = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** Compiles a principal block (values as a string or an array of strings). */
export function compilePrincipal(block: PrincipalBlock | { [type: string]: string | string[] }): CompiledPrincipal {
  const p = {
    everyone: block === '*',
    arns: new Set<string>(),
    accounts: new Set<string>(),
    roles: new Set<string>(),
    services: new Set<string>(),
    federated: new Set<string>(),
    canonicalUsers: new Set<string>(),
  };
  if (block === '*') return p;
  for (const [type, raw] of Object.entries(block)) {
    const values: readonly string[] = typeof raw === 'string' ? [raw] : raw;
    for (const v of values) {
      if (type === 'AWS') {
        if (v === '*') p.everyone = true;
        else if (v.includes('*') || v.includes('?'))
          continue; // never expanded
        else if (/^\d{12}$/.test(v)) p.accounts.add(v);
        else if (ROOT.test(v)) p.accounts.add(ROOT.exec(v)![1]!);
        else {
          p.arns.add(v);
          const role = ROLE.exec(v);
          if (role !== null) p.roles.add(`${role[1]}:${role[2]}`);
        }
      } else if (type === 'Service') {
        if (v === '*') p.everyone = true;
        else p.services.add(v.toLowerCase());
      } else if (type === 'Federated') p.federated.add(v);
      else if (type === 'CanonicalUser') p.canonicalUsers.add(v);
    }
  }
  return p;
}

/** How strongly `principal` names `caller` (for the Principal element). */
export function principalMatch(principal: CompiledPrincipal, caller: Caller): PrincipalMatch {
  if (principal.everyone || principal.arns.has(caller.arn)) return DIRECTLY;
  switch (caller.type) {
    case 'Service':
      return principal.services.has(caller.arn.toLowerCase()) ? DIRECTLY : NOT_NAMED;
    case 'WebIdentity':
    case 'SAML':
      return principal.federated.has(caller.arn) ? DIRECTLY : NOT_NAMED;
    case 'CanonicalUser':
      return principal.canonicalUsers.has(caller.arn) ? DIRECTLY : NOT_NAMED;
    case 'Anonymous':
      return NOT_NAMED;
    case 'Root':
      return principal.accounts.has(caller.account) ? DIRECTLY : NOT_NAMED;
    default:
      if (caller.roleKey !== undefined && caller.type === 'AssumedRole' && principal.roles.has(caller.roleKey)) return BY_ROLE;
      return principal.accounts.has(caller.account) ? BY_ACCOUNT : NOT_NAMED;
  }
}

/**
 * Whether `caller` is one of the principals a NotPrincipal element lists. Listing is exact: an account entry
 * exempts only the account root user, and a role session is exempt only when its session ARN is listed (AWS
 * asks policies to list the session ARN, the role ARN and the account together).
 */
export function listedIn(principal: CompiledPrincipal, caller: Caller): boolean {
  if (principal.everyone || principal.arns.has(caller.arn)) return true;
  switch (caller.type) {
    case 'Root':
      return principal.accounts.has(caller.account);
    case 'Service':
      return principal.services.has(caller.arn.toLowerCase());
    case 'WebIdentity':
    case 'SAML':
      return principal.federated.has(caller.arn);
    case 'CanonicalUser':
      return principal.canonicalUsers.has(caller.arn);
    default:
      return false;
  }
}
