// The statements that decided, named as IAM's policy simulator names them (SourcePolicyId,
// SourcePolicyType): the simulator (src/iam/simulate.ts) and the authorization API (src/protect)
// report matched statements the same way.
import type { Decision, MatchedStatement, PolicySource } from '../policy/index.ts';

/** IAM's PolicySourceType. */
export type PolicySourceType = 'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';
export type InlineOwnerKind = 'user' | 'group' | 'role';

export interface NamedSource {
  id: string;
  type: PolicySourceType;
  /** For an inline policy: whose, and its name. */
  inline?: { kind: InlineOwnerKind; entity: string; name: string };
}

const INLINE = /^(user|group|role)\/([^/]+)\/(.+)$/;

/** SourcePolicyId and SourcePolicyType of a matched statement's policy, as AWS names them. */
export function policySourceOf(source: PolicySource): NamedSource {
  if (source.arn) return { id: source.name, type: /:iam::aws:policy\//.test(source.arn) ? 'aws-managed' : 'user-managed' };
  const inline = INLINE.exec(source.name);
  // The pattern's three groups take part in every match.
  if (inline && source.type === 'identity') {
    const kind = inline[1] as InlineOwnerKind;
    return { id: inline[3]!, type: kind, inline: { kind, entity: inline[2]!, name: inline[3]! } };
  }
  if (source.type === 'resource') return { id: source.name, type: 'resource' };
  return { id: source.name, type: 'none' };
}

export interface DecidingStatement {
  SourcePolicyId: string;
  SourcePolicyType: PolicySourceType;
  Effect: 'Allow' | 'Deny';
  Sid?: string;
}

/**
 * The statements that decided, as the simulator reports them: the denies of an explicit deny, the
 * allows of an allow, none for an implicit deny. The decision must have been explained.
 */
export function decidingStatements(decision: Decision): DecidingStatement[] {
  if (decision.decision === 'ImplicitlyDenied') return [];
  return statementsOfEffect(decision.matchedStatements, decision.decision === 'ExplicitlyDenied' ? 'Deny' : 'Allow');
}

/** The matched statements of one effect, as the simulator names them. */
export function statementsOfEffect(matched: readonly MatchedStatement[], effect: 'Allow' | 'Deny'): DecidingStatement[] {
  const out: DecidingStatement[] = [];
  for (const m of matched) {
    if (m.effect !== effect) continue;
    const s = policySourceOf(m.source);
    const entry: DecidingStatement = { SourcePolicyId: s.id, SourcePolicyType: s.type, Effect: effect };
    if (m.sid !== undefined) entry.Sid = m.sid;
    out.push(entry);
  }
  return out;
}
