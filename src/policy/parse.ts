// Parses and validates a policy document against AWS's grammar; never throws on user input.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
import { isArnFormat } from './arn.ts';
import { MESSAGES } from './messages.ts';
import { parseOperatorName } from './operators.ts';
import type { Finding, PolicyDocument, PolicyKind, PolicyStatement, PrincipalBlock } from './types.ts';

/** The result of `parsePolicy`: the normalised document when there is no error, and every finding. */
export interface ParseResult {
  document?: PolicyDocument;
  findings: Finding[];
}

const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const ACTION = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]*$/;
// A web identity provider's keys are prefixed by its name: `token.actions.githubusercontent.com:sub`, `oidc.eks.REGION.amazonaws.com/id/ID:aud`.
const CONDITION_KEY = /^[A-Za-z0-9*?._/-]+:\S+$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Characters a policy may hold: tab, LF, CR and U+0020–U+00FF (IAM quotas page). */
function firstInvalidCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!(c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xff))) return i;
  }
  return -1;
}

export interface ParseOptions {
  /**
   * The partition the policy is written in. When set, a Resource or principal ARN of another
   * partition is an error, as AWS reports it: such a statement could never match anything.
   */
  partition?: string;
}

/**
 * Parses `text` as a policy of the given kind. Returns the normalised document only when there is no error;
 * warnings (e.g. a missing Version) do not block it.
 */
export function parsePolicy(text: string, kind: PolicyKind, options: ParseOptions = {}): ParseResult {
  const findings: Finding[] = [];
  const error = (code: string, path: string, message: string): void => void findings.push({ severity: 'error', code, path, message });
  const warn = (code: string, path: string, message: string): void => void findings.push({ severity: 'warning', code, path, message });

  const bad = firstInvalidCharacter(text);
  if (bad >= 0) {
    error('InvalidCharacter', '', MESSAGES.SyntaxError);
    return { findings };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    error('InvalidJson', '', MESSAGES.SyntaxError);
    return { findings };
  }
  if (!isObject(json)) {
    error('NotAnObject', '', MESSAGES.SyntaxError);
    return { findings };
  }

  for (const key of Object.keys(json)) if (!TOP_FIELDS.has(key)) error('UnknownField', key, MESSAGES.unknownField(key));

  let version: PolicyDocument['Version'];
  if (json.Version === undefined) {
    warn('MissingVersion', 'Version', 'the policy has no `Version`: it is read as 2008-10-17 and policy variables are not substituted');
  } else if (json.Version === '2012-10-17' || json.Version === '2008-10-17') {
    version = json.Version;
  } else {
    error('InvalidVersion', 'Version', MESSAGES.LegacyParsing);
  }
  if (json.Id !== undefined && typeof json.Id !== 'string') error('InvalidId', 'Id', MESSAGES.SyntaxError);

  const statements: PolicyStatement[] = [];
  const raw = json.Statement;
  if (raw === undefined) error('MissingStatement', 'Statement', MESSAGES.MissingStatement);
  else if (!isObject(raw) && !Array.isArray(raw)) error('InvalidStatement', 'Statement', MESSAGES.SyntaxError);
  else {
    const list = Array.isArray(raw) ? raw : [raw];
    const sids = new Set<string>();
    list.forEach((s, i) => {
      const path = Array.isArray(raw) ? `Statement[${i}]` : 'Statement';
      const st = parseStatement(s, path, kind, options, error, warn);
      if (st === undefined) return;
      if (st.Sid !== undefined && st.Sid !== '') {
        if (sids.has(st.Sid)) error('DuplicateSid', `${path}.Sid`, MESSAGES.DuplicateSid);
        sids.add(st.Sid);
      }
      statements.push(st);
    });
  }

  if (findings.some((f) => f.severity === 'error')) return { findings };
  const document: PolicyDocument = { Statement: statements };
  if (version !== undefined) document.Version = version;
  if (typeof json.Id === 'string') document.Id = json.Id;
  return { document, findings };
}

type Report = (code: string, path: string, message: string) => void;

/** The partition part of an ARN (`arn:PARTITION:…`). */
function arnPartition(arn: string): string {
  return arn.slice(4, arn.indexOf(':', 4));
}

/** True when `value` is an ARN whose partition is written out (no wildcard or variable) and is not `partition`. */
function otherPartition(value: string, partition: string | undefined): boolean {
  if (partition === undefined || !value.startsWith('arn:') || value.indexOf(':', 4) < 0) return false;
  const written = arnPartition(value);
  return !/[*?$]/.test(written) && written !== partition;
}

/** A string or a non-empty array of strings, as an array; `undefined` when malformed. */
function stringList(v: Json | undefined): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function parseStatement(s: Json, path: string, kind: PolicyKind, options: ParseOptions, error: Report, warn: Report): PolicyStatement | undefined {
  if (!isObject(s)) {
    error('InvalidStatement', path, MESSAGES.SyntaxError);
    return undefined;
  }
  for (const key of Object.keys(s)) if (!STATEMENT_FIELDS.has(key)) error('UnknownField', `${path}.${key}`, MESSAGES.unknownField(key));

  const st: PolicyStatement = { Effect: 'Allow' };
  if (s.Sid !== undefined) {
    if (typeof s.Sid !== 'string') error('InvalidSid', `${path}.Sid`, MESSAGES.SyntaxError);
    else {
      // IAM (identity and trust policies) allows only [0-9A-Za-z]; other services' policies are freer.
      if (kind !== 'resource' && !/^[0-9A-Za-z]*$/.test(s.Sid)) error('InvalidSid', `${path}.Sid`, MESSAGES.InvalidSid);
      st.Sid = s.Sid;
    }
  }

  if (s.Effect === undefined) error('MissingEffect', `${path}.Effect`, MESSAGES.MissingEffect);
  else if (s.Effect === 'Allow' || s.Effect === 'Deny') st.Effect = s.Effect;
  else error('InvalidEffect', `${path}.Effect`, MESSAGES.LegacyParsing);

  // Action / NotAction: exactly one.
  if (s.Action !== undefined && s.NotAction !== undefined) error('ActionAndNotAction', path, MESSAGES.SyntaxError);
  else if (s.Action === undefined && s.NotAction === undefined) error('MissingAction', path, MESSAGES.MissingActions);
  else {
    const field = s.Action !== undefined ? 'Action' : 'NotAction';
    const list = stringList(s[field]);
    if (list === undefined)
      error('InvalidAction', `${path}.${field}`, Array.isArray(s[field]) && (s[field] as Json[]).length === 0 ? MESSAGES.MissingActions : MESSAGES.SyntaxError);
    else {
      for (const a of list) if (a !== '*' && !ACTION.test(a)) error('InvalidAction', `${path}.${field}`, MESSAGES.MissingVendor);
      st[field] = list;
    }
  }

  // Resource / NotResource: exactly one, except trust policies, which have none.
  const hasResource = s.Resource !== undefined || s.NotResource !== undefined;
  if (kind === 'trust') {
    if (hasResource) error('ProhibitedResource', path, MESSAGES.ProhibitedResource);
  } else if (s.Resource !== undefined && s.NotResource !== undefined) error('ResourceAndNotResource', path, MESSAGES.SyntaxError);
  else if (!hasResource) error('MissingResource', path, MESSAGES.MissingResources);
  else {
    const field = s.Resource !== undefined ? 'Resource' : 'NotResource';
    const list = stringList(s[field]);
    if (list === undefined) error('InvalidResource', `${path}.${field}`, Array.isArray(s[field]) ? MESSAGES.MissingResources : MESSAGES.SyntaxError);
    else {
      for (const r of list) {
        if (r !== '*' && !isArnFormat(r)) error('InvalidResource', `${path}.${field}`, MESSAGES.invalidResource(r));
        else if (otherPartition(r, options.partition)) error('WrongPartition', `${path}.${field}`, MESSAGES.wrongPartition(arnPartition(r), r));
      }
      st[field] = list;
    }
  }

  // Principal / NotPrincipal: forbidden in identity policies, exactly one in trust and resource policies.
  const hasPrincipal = s.Principal !== undefined || s.NotPrincipal !== undefined;
  if (kind === 'identity') {
    if (hasPrincipal) error('PrincipalNotAllowed', path, MESSAGES.PrincipalNotAllowed);
  } else if (!hasPrincipal) error('MissingPrincipal', path, MESSAGES.MissingPrincipal);
  else if (s.Principal !== undefined && s.NotPrincipal !== undefined) error('PrincipalAndNotPrincipal', path, MESSAGES.SyntaxError);
  else {
    const field = s.Principal !== undefined ? 'Principal' : 'NotPrincipal';
    const block = parsePrincipal(s[field] as Json, `${path}.${field}`, kind, options, error, warn);
    if (block !== undefined) st[field] = block;
  }

  if (s.Condition !== undefined) {
    const cond = parseCondition(s.Condition, `${path}.Condition`, error, warn);
    if (cond !== undefined) st.Condition = cond;
  }
  return st;
}

function parsePrincipal(v: Json, path: string, kind: PolicyKind, options: ParseOptions, error: Report, warn: Report): PrincipalBlock | undefined {
  if (v === '*') return '*';
  if (!isObject(v)) {
    error('InvalidPrincipal', path, MESSAGES.SyntaxError);
    return undefined;
  }
  const block: { [type: string]: string[] } = {};
  for (const [type, raw] of Object.entries(v)) {
    const list = stringList(raw);
    if (!PRINCIPAL_TYPES.has(type) || list === undefined) {
      error('InvalidPrincipal', `${path}.${type}`, MESSAGES.invalidPrincipal(type, typeof raw === 'string' ? raw : JSON.stringify(raw)));
      continue;
    }
    for (const p of list) {
      if (type === 'AWS' && p !== '*' && (p.includes('*') || p.includes('?'))) {
        // AWS: "You cannot use a wildcard to match part of a principal name or ARN."
        if (kind === 'trust') error('InvalidPrincipal', `${path}.${type}`, MESSAGES.invalidPrincipal(type, p));
        else warn('PrincipalWildcard', `${path}.${type}`, `wildcards are not expanded in principal \`${p}\`: it matches no principal`);
      }
      if ((type === 'AWS' || type === 'Federated') && otherPartition(p, options.partition))
        error('InvalidPrincipal', `${path}.${type}`, MESSAGES.invalidPrincipal(type, p));
    }
    block[type] = list;
  }
  return block;
}

function parseCondition(v: Json, path: string, error: Report, warn: Report): PolicyStatement['Condition'] {
  if (!isObject(v)) {
    error('InvalidCondition', path, MESSAGES.SyntaxError);
    return undefined;
  }
  const out: NonNullable<PolicyStatement['Condition']> = {};
  for (const [opName, block] of Object.entries(v)) {
    const opPath = `${path}.${opName}`;
    const op = parseOperatorName(opName);
    if (op === undefined) {
      error('UnknownConditionOperator', opPath, MESSAGES.SyntaxError);
      continue;
    }
    if (!isObject(block)) {
      error('InvalidCondition', opPath, MESSAGES.SyntaxError);
      continue;
    }
    const keys: { [key: string]: string[] } = {};
    for (const [key, raw] of Object.entries(block)) {
      const keyPath = `${opPath}.${key}`;
      if (!CONDITION_KEY.test(key)) error('InvalidConditionKey', keyPath, MESSAGES.MissingVendor);
      const items = Array.isArray(raw) ? raw : [raw];
      if (items.length === 0 || !items.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) {
        error('InvalidConditionValue', keyPath, MESSAGES.SyntaxError);
        continue;
      }
      const values = items.map((x) => String(x));
      for (const value of values) {
        if (op.operator === null) {
          if (value !== 'true' && value !== 'false')
            warn('InvalidConditionValue', keyPath, `\`${value}\` is not true or false: this Null condition never matches`);
          continue;
        }
        const c = op.operator.compile(value, false);
        if (typeof c !== 'function' && !value.includes('${')) warn('InvalidConditionValue', keyPath, `${c.invalid}: this value never matches`);
      }
      keys[key] = values;
    }
    out[opName] = keys;
  }
  return out;
}

/** The first error's AWS message (for MalformedPolicyDocument), or `undefined` when there is none. */
export function firstErrorMessage(findings: readonly Finding[]): string | undefined {
  return findings.find((f) => f.severity === 'error')?.message;
}
