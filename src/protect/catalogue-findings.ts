// Policy validation against the registered service catalogues, with findings in the shape of IAM
// Access Analyzer's ValidatePolicy (findingType ERROR | SECURITY_WARNING | WARNING | SUGGESTION, an
// issueCode, findingDetails, and where in the policy). Pure.
// https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicyFinding.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
//
// Only statements that name a registered service are looked at; everything else is left to the
// policy parser and to the warnings for AWS's own services. Like IAM itself, nothing here makes a
// policy invalid: unknown actions simply match nothing, so these findings are advice.
import { parseOperatorName, type PolicyDocument } from '../policy/index.ts';
import { conditionKeyPattern, type ConditionKeyType, type ServiceCatalogue } from './catalogue-format.ts';

export type FindingType = 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';

export interface CatalogueFinding {
  findingType: FindingType;
  /** Access Analyzer's issue code: INVALID_ACTION, INVALID_SERVICE_CONDITION_KEY, TYPE_MISMATCH. */
  issueCode: string;
  findingDetails: string;
  /** Where in the document: `Statement[0].Action[1]`, `Statement[0].Condition.StringEquals.orders:Amount`. */
  path: string;
  learnMoreLink: string;
}

const LEARN_MORE = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html';

/** The kind of value each base operator compares, and the key types it fits. */
const OPERATOR_KINDS: { prefix: string; kind: string; fits: readonly string[] }[] = [
  { prefix: 'String', kind: 'String', fits: ['String', 'ARN'] },
  { prefix: 'Numeric', kind: 'Numeric', fits: ['Numeric'] },
  { prefix: 'Date', kind: 'Date', fits: ['Date'] },
  { prefix: 'Bool', kind: 'Bool', fits: ['Bool'] },
  { prefix: 'Binary', kind: 'Binary', fits: ['Binary'] },
  { prefix: 'IpAddress', kind: 'IPAddress', fits: ['IPAddress'] },
  { prefix: 'NotIpAddress', kind: 'IPAddress', fits: ['IPAddress'] },
  { prefix: 'Arn', kind: 'ARN', fits: ['ARN'] },
];

/** The operators a key type takes, as Access Analyzer names them in its advice. */
const OPERATORS_FOR: Record<string, string> = {
  String: 'String',
  ARN: 'ARN or String',
  Numeric: 'Numeric',
  Date: 'Date',
  Bool: 'Bool',
  Binary: 'Binary',
  IPAddress: 'IP address',
};

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

interface KnownKey {
  pattern: RegExp;
  type: ConditionKeyType;
}

/** Findings for the parts of a policy that name the registered services. */
export function catalogueFindings(document: PolicyDocument, catalogues: readonly ServiceCatalogue[]): CatalogueFinding[] {
  const byService = new Map(catalogues.map((c) => [c.Name.toLowerCase(), c]));
  if (byService.size === 0) return [];
  // Every key whose type a catalogue declares: the services' own, and global aws: keys they describe.
  const keysOf = new Map<string, KnownKey[]>();
  const globalKeys: KnownKey[] = [];
  for (const c of catalogues) {
    const own: KnownKey[] = [];
    for (const k of c.ConditionKeys) {
      const known = { pattern: conditionKeyPattern(k.Name), type: k.Type };
      if (k.Name.toLowerCase().startsWith('aws:')) globalKeys.push(known);
      else own.push(known);
    }
    keysOf.set(c.Name.toLowerCase(), own);
  }
  const findings: CatalogueFinding[] = [];
  const add = (findingType: FindingType, issueCode: string, path: string, findingDetails: string) =>
    findings.push({ findingType, issueCode, findingDetails, path, learnMoreLink: LEARN_MORE });

  for (const [i, statement] of document.Statement.entries()) {
    for (const element of ['Action', 'NotAction'] as const) {
      for (const [j, entry] of (statement[element] ?? []).entries()) {
        const colon = entry.indexOf(':');
        if (colon <= 0) continue;
        const catalogue = byService.get(entry.slice(0, colon).toLowerCase());
        if (!catalogue) continue;
        const name = entry.slice(colon + 1);
        const re = /[*?]/.test(name) ? globToRegExp(name) : undefined;
        const exists = catalogue.Actions.some((a) => (re ? re.test(a.Name) : a.Name.toLowerCase() === name.toLowerCase()));
        if (!exists) add('ERROR', 'INVALID_ACTION', `Statement[${i}].${element}[${j}]`, `The action ${entry} does not exist.`);
      }
    }
    for (const [operatorName, block] of Object.entries(statement.Condition ?? {})) {
      const operator = parseOperatorName(operatorName);
      for (const key of Object.keys(block)) {
        const path = `Statement[${i}].Condition.${operatorName}.${key}`;
        const colon = key.indexOf(':');
        const prefix = key.slice(0, colon).toLowerCase();
        const own = colon > 0 ? keysOf.get(prefix) : undefined;
        let known: KnownKey | undefined;
        if (own) {
          known = own.find((k) => k.pattern.test(key));
          if (!known) {
            add('ERROR', 'INVALID_SERVICE_CONDITION_KEY', path, `The condition key ${key} does not exist in the service ${byService.get(prefix)!.Name}.`);
            continue;
          }
        } else if (prefix === 'aws') {
          known = globalKeys.find((k) => k.pattern.test(key));
        }
        // Null tests presence and fits every type; an unknown operator is the parser's error.
        if (!known || !operator?.operator) continue;
        const base = operator.operator.name;
        const kind = OPERATOR_KINDS.find((k) => base.startsWith(k.prefix));
        const keyType = known.type.replace(/^ArrayOf/, '');
        if (kind && !kind.fits.includes(keyType)) {
          add(
            'WARNING',
            'TYPE_MISMATCH',
            path,
            `Type mismatch: Use an operator of type ${OPERATORS_FOR[keyType] ?? keyType} instead of operator ${operatorName} for the condition key ${key} of type ${known.type}.`,
          );
        }
      }
    }
  }
  return findings;
}
