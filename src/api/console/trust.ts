// Trust policies the way AWS's console writes them when a role is created: one statement
// allowing sts:AssumeRole to the chosen trusted entity (an AWS service, another account — with
// an optional ExternalId and MFA condition — or IAM users of this account), 4-space indented so
// that it reads well in the editor. The result is a starting point: the form lets it be edited.

export type TrustedEntity = 'service' | 'account' | 'users';

export interface TrustChoice {
  entity: TrustedEntity;
  /** For 'service': the service principal, e.g. ec2.amazonaws.com. */
  service?: string;
  /** For 'account': the 12-digit account id (this account when empty). */
  accountId?: string;
  externalId?: string;
  requireMfa?: boolean;
  /** For 'users': user ARNs of this account. */
  userArns?: string[];
}

/** The services offered first, as AWS's console lists its common use cases. */
export const TRUST_SERVICES: { principal: string; label: string }[] = [
  { principal: 'ec2.amazonaws.com', label: 'EC2' },
  { principal: 'lambda.amazonaws.com', label: 'Lambda' },
  { principal: 'ecs-tasks.amazonaws.com', label: 'Elastic Container Service (tasks)' },
  { principal: 'apigateway.amazonaws.com', label: 'API Gateway' },
  { principal: 'codebuild.amazonaws.com', label: 'CodeBuild' },
  { principal: 'states.amazonaws.com', label: 'Step Functions' },
  { principal: 'events.amazonaws.com', label: 'EventBridge' },
  { principal: 'glue.amazonaws.com', label: 'Glue' },
];

export function isTrustedEntity(s: string | null | undefined): s is TrustedEntity {
  return s === 'service' || s === 'account' || s === 'users';
}

export function trustPolicyFor(choice: TrustChoice, partition: string, thisAccount: string): string {
  const statement: Record<string, unknown> = { Effect: 'Allow', Action: 'sts:AssumeRole' };
  const condition: Record<string, Record<string, string>> = {};
  if (choice.entity === 'service') {
    statement.Principal = { Service: (choice.service ?? '').trim() || 'ec2.amazonaws.com' };
  } else if (choice.entity === 'account') {
    const account = (choice.accountId ?? '').trim() || thisAccount;
    statement.Principal = { AWS: `arn:${partition}:iam::${account}:root` };
    if (choice.externalId?.trim()) condition.StringEquals = { 'sts:ExternalId': choice.externalId.trim() };
    if (choice.requireMfa) condition.Bool = { 'aws:MultiFactorAuthPresent': 'true' };
  } else {
    const arns = (choice.userArns ?? []).filter((a) => a.trim() !== '');
    statement.Principal = { AWS: arns.length === 1 ? arns[0] : arns.length > 0 ? arns : `arn:${partition}:iam::${thisAccount}:root` };
    if (choice.requireMfa) condition.Bool = { 'aws:MultiFactorAuthPresent': 'true' };
  }
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] }, null, 4);
}

/** "Trusted entities" as AWS's console lists them: the principals allowed to assume the role. */
export interface TrustedEntityView {
  kind: 'service' | 'account' | 'principal' | 'any';
  value: string;
}

export function trustedEntities(trustPolicy: string): TrustedEntityView[] {
  let doc: { Statement?: unknown } | null;
  try {
    doc = JSON.parse(trustPolicy) as { Statement?: unknown } | null;
  } catch {
    return [];
  }
  const out = new Map<string, TrustedEntityView>();
  const add = (kind: TrustedEntityView['kind'], value: string) => out.set(`${kind}|${value}`, { kind, value });
  const raw = doc?.Statement;
  // Stored trust policies were validated when written; read them defensively all the same.
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as ({ Effect?: unknown; Principal?: unknown } | null)[];
  for (const s of statements) {
    if (s?.Effect !== 'Allow' || !s.Principal) continue;
    if (s.Principal === '*') {
      add('any', '*');
      continue;
    }
    if (typeof s.Principal !== 'object') continue;
    for (const [kind, value] of Object.entries(s.Principal as Record<string, unknown>)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const text = String(v);
        if (kind === 'Service') add('service', text.replace(/\.amazonaws\.com$/, ''));
        else if (kind === 'AWS') {
          const root = /^arn:[\w-]+:iam::(\d{12}):root$/.exec(text);
          if (root || /^\d{12}$/.test(text)) add('account', root?.[1] ?? text);
          else add(text === '*' ? 'any' : 'principal', text);
        } else add('principal', `${kind}: ${text}`);
      }
    }
  }
  return [...out.values()];
}
