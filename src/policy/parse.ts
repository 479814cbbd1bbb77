// Parses and validates a policy document with AWS's grammar; never throws on user input. Problems are
// reported in the order AWS's IAM validator finds them, so the first error is AWS's MalformedPolicyDocument
// message: structure ("Syntax errors in policy."), Version (managed policies), Principal, legacy parsing,
// Sids, missing actions and resources, resource ARNs, action prefixes. The element rules are in
// legacy-rules.ts; test/fixtures/policy-validation holds AWS's recorded answers they follow.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
import { actionError, legacyDateOk, legacyResourceOk, resourceFormatError, trustActionOk } from './legacy-rules.ts';
import { MESSAGES } from './messages.ts';
import { parseOperatorName } from './operators.ts';
import type { Finding, PolicyDocument, PolicyKind, PolicyStatement, PrincipalBlock } from './types.ts';

/** The result of `parsePolicy`: the normalised document when there is no error, and every finding. */
export interface ParseResult {
  document?: PolicyDocument;
  /** Errors first, in the order AWS reports them (the first is AWS's message), then warnings. */
  findings: Finding[];
}

export interface ParseOptions {
  /**
   * The partition the policy is written in. When set, a Resource or principal ARN of another
   * partition is an error, as AWS reports it: such a statement could never match anything.
   */
  partition?: string;
  /**
   * A managed policy (CreatePolicy, CreatePolicyVersion): AWS requires Version 2012-10-17. Inline and
   * session policies may omit Version (then read as 2008-10-17).
   */
  managed?: boolean;
  /**
   * A document iamd accepted and stored earlier, parsed to be enforced: only what makes it unreadable
   * (not JSON, a broken structure, a statement that cannot be read) fails. Grammar rules that came
   * later report findings but never make a stored policy, and so its Deny statements, disappear.
   */
  stored?: boolean;
}

const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

/** The order in which AWS reports a document's problems, lowest first. */
const RANK = {
  syntax: 0,
  version: 1,
  // A trust policy with a Resource is refused for it before its principal and actions are looked at.
  prohibitedResource: 2,
  principal: 3,
  legacy: 4,
  sidFormat: 5,
  sidUnique: 6,
  actions: 7,
  resources: 8,
  resourceFormat: 9,
  action: 10,
  notAction: 11,
  trustAction: 12,
} as const;
type Rank = (typeof RANK)[keyof typeof RANK];

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

/** Findings as they are found; `findings()` puts the errors in AWS's order (the sort is stable). */
class Report {
  private readonly errors: { finding: Finding; rank: Rank }[] = [];
  private readonly warnings: Finding[] = [];

  error(rank: Rank, code: string, path: string, message: string): void {
    this.errors.push({ finding: { severity: 'error', code, path, message }, rank });
  }

  warn(code: string, path: string, message: string): void {
    this.warnings.push({ severity: 'warning', code, path, message });
  }

  get failed(): boolean {
    return this.errors.length > 0;
  }

  /** Whether an error of this rank was reported. */
  has(rank: Rank): boolean {
    return this.errors.some((e) => e.rank === rank);
  }

  findings(): Finding[] {
    return [...this.errors.sort((a, b) => a.rank - b.rank).map((e) => e.finding), ...this.warnings];
  }
}

/** What the statements share while they are parsed. */
interface Context {
  readonly kind: PolicyKind;
  readonly options: ParseOptions;
  readonly report: Report;
  readonly sids: Set<string>;
  /** Resource / NotResource lists that are well formed, for the checks across statements. */
  readonly resources: { field: 'Resource' | 'NotResource'; path: string; list: string[] }[];
}

/**
 * Parses `text` as a policy of the given kind. Returns the normalised document only when there is no error;
 * warnings (e.g. a missing Version) do not block it.
 */
export function parsePolicy(text: string, kind: PolicyKind, options: ParseOptions = {}): ParseResult {
  const report = new Report();
  // Identity policies answer with IAM's legacy validator; trust and resource policies with the newer
  // policy grammar's messages (a trust policy that is not JSON "contains invalid Json").
  const identity = kind === 'identity';
  const notJson = identity ? MESSAGES.SyntaxError : MESSAGES.InvalidJson;

  if (firstInvalidCharacter(text) >= 0) {
    report.error(RANK.syntax, 'InvalidCharacter', '', MESSAGES.SyntaxError);
    return { findings: report.findings() };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    report.error(RANK.syntax, 'InvalidJson', '', notJson);
    return { findings: report.findings() };
  }
  if (!isObject(json)) {
    report.error(RANK.syntax, 'NotAnObject', '', notJson);
    return { findings: report.findings() };
  }

  for (const key of Object.keys(json))
    if (!TOP_FIELDS.has(key)) report.error(RANK.syntax, 'UnknownField', key, identity ? MESSAGES.SyntaxError : MESSAGES.unknownField(key));

  let version: PolicyDocument['Version'];
  const managed = identity && options.managed === true;
  if (json.Version === undefined) {
    if (managed) report.error(RANK.version, 'MissingVersion', 'Version', MESSAGES.VersionRequired);
    else report.warn('MissingVersion', 'Version', 'the policy has no `Version`: it is read as 2008-10-17 and policy variables are not substituted');
  } else if (json.Version === '2012-10-17' || json.Version === '2008-10-17') {
    version = json.Version;
    if (managed && version === '2008-10-17') report.error(RANK.version, 'OldVersion', 'Version', MESSAGES.VersionRequired);
  } else {
    report.error(RANK.syntax, 'InvalidVersion', 'Version', MESSAGES.SyntaxError);
  }
  if (json.Id !== undefined && typeof json.Id !== 'string') report.error(RANK.syntax, 'InvalidId', 'Id', MESSAGES.SyntaxError);

  const statements: PolicyStatement[] = [];
  let unreadStatements = 0;
  const raw = json.Statement;
  const ctx: Context = { kind, options, report, sids: new Set(), resources: [] };
  if (raw === undefined) report.error(RANK.syntax, 'MissingStatement', 'Statement', identity ? MESSAGES.SyntaxError : MESSAGES.MissingStatement);
  else if (!isObject(raw) && !Array.isArray(raw)) report.error(RANK.syntax, 'InvalidStatement', 'Statement', MESSAGES.SyntaxError);
  else if (Array.isArray(raw) && raw.length === 0) report.error(RANK.syntax, 'EmptyStatement', 'Statement', MESSAGES.SyntaxError);
  else {
    const list = Array.isArray(raw) ? raw : [raw];
    list.forEach((s, i) => {
      const st = parseStatement(s, Array.isArray(raw) ? `Statement[${i}]` : 'Statement', ctx);
      if (st !== undefined) statements.push(st);
      else unreadStatements++;
    });
    checkResources(ctx);
  }

  const readable = statements.length > 0 && unreadStatements === 0 && !report.has(RANK.syntax);
  if (report.failed && !(options.stored === true && readable)) return { findings: report.findings() };
  const document: PolicyDocument = { Statement: statements };
  if (version !== undefined) document.Version = version;
  if (typeof json.Id === 'string') document.Id = json.Id;
  return { document, findings: report.findings() };
}

/**
 * Resource ARNs, across statements (Resource lists first, then NotResource, in moto's model of AWS): the
 * first list with an ARN AWS refuses gives the one resource error, naming its lowest ARN (of two refused,
 * AWS named that one), and from there on short ARNs are no longer checked for legacy parsing.
 */
function checkResources(ctx: Context): void {
  let failed = false;
  for (const field of ['Resource', 'NotResource'] as const) {
    for (const entry of ctx.resources) {
      if (entry.field !== field) continue;
      if (!failed) {
        const refused = entry.list.filter((r) => resourceFormatError(r, ctx.options.partition) !== undefined).sort()[0];
        if (refused !== undefined) {
          failed = true;
          ctx.report.error(RANK.resourceFormat, 'InvalidResource', entry.path, resourceFormatError(refused, ctx.options.partition)!);
        }
      }
      if (!failed && !entry.list.every(legacyResourceOk)) ctx.report.error(RANK.legacy, 'LegacyResource', entry.path, MESSAGES.LegacyParsing);
    }
  }
}

/** A string or an array of strings (possibly empty), as an array; `undefined` when malformed. */
function stringList(v: Json | undefined): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function parseStatement(s: Json, path: string, ctx: Context): PolicyStatement | undefined {
  const { kind, report } = ctx;
  const identity = kind === 'identity';
  if (!isObject(s)) {
    report.error(RANK.syntax, 'InvalidStatement', path, MESSAGES.SyntaxError);
    return undefined;
  }
  for (const key of Object.keys(s))
    if (!STATEMENT_FIELDS.has(key)) report.error(RANK.syntax, 'UnknownField', `${path}.${key}`, identity ? MESSAGES.SyntaxError : MESSAGES.unknownField(key));

  const st: PolicyStatement = { Effect: 'Allow' };
  if (s.Sid !== undefined) {
    if (typeof s.Sid !== 'string') report.error(RANK.syntax, 'InvalidSid', `${path}.Sid`, MESSAGES.SyntaxError);
    else {
      // IAM (identity and trust policies) allows only [0-9A-Za-z]; other services' policies are freer.
      if (kind !== 'resource' && !/^[0-9A-Za-z]*$/.test(s.Sid)) report.error(RANK.sidFormat, 'InvalidSid', `${path}.Sid`, MESSAGES.InvalidSid);
      if (s.Sid !== '') {
        if (ctx.sids.has(s.Sid)) report.error(RANK.sidUnique, 'DuplicateSid', `${path}.Sid`, MESSAGES.DuplicateSid);
        ctx.sids.add(s.Sid);
      }
      st.Sid = s.Sid;
    }
  }

  const effect = s.Effect;
  if (effect === undefined) report.error(RANK.syntax, 'MissingEffect', `${path}.Effect`, identity ? MESSAGES.SyntaxError : MESSAGES.MissingEffect);
  else if (effect === 'Allow' || effect === 'Deny') st.Effect = effect;
  else if (typeof effect === 'string' && /^(allow|deny)$/i.test(effect)) report.error(RANK.legacy, 'InvalidEffect', `${path}.Effect`, MESSAGES.LegacyParsing);
  else report.error(RANK.syntax, 'InvalidEffect', `${path}.Effect`, MESSAGES.SyntaxError);

  parseActions(s, path, st, ctx);
  parseResources(s, path, st, ctx);

  // Principal / NotPrincipal: forbidden in identity policies, exactly one in trust and resource policies.
  const hasPrincipal = s.Principal !== undefined || s.NotPrincipal !== undefined;
  if (identity) {
    if (hasPrincipal) report.error(RANK.principal, 'PrincipalNotAllowed', path, MESSAGES.PrincipalNotAllowed);
  } else if (!hasPrincipal) report.error(RANK.principal, 'MissingPrincipal', path, MESSAGES.MissingPrincipal);
  else if (s.Principal !== undefined && s.NotPrincipal !== undefined) report.error(RANK.syntax, 'PrincipalAndNotPrincipal', path, MESSAGES.SyntaxError);
  else {
    const field = s.Principal !== undefined ? 'Principal' : 'NotPrincipal';
    const block = parsePrincipal(s[field] as Json, `${path}.${field}`, ctx);
    if (block !== undefined) st[field] = block;
  }

  if (s.Condition !== undefined) {
    const cond = parseCondition(s.Condition, `${path}.Condition`, report);
    if (cond !== undefined) st.Condition = cond;
  }
  return st;
}

/** Action / NotAction: exactly one, not empty, each prefixed by a vendor; trust policies allow only the AssumeRole family. */
function parseActions(s: { [k: string]: Json }, path: string, st: PolicyStatement, { kind, report }: Context): void {
  if (s.Action !== undefined && s.NotAction !== undefined) {
    report.error(RANK.syntax, 'ActionAndNotAction', path, MESSAGES.SyntaxError);
    return;
  }
  if (s.Action === undefined && s.NotAction === undefined) {
    report.error(RANK.actions, 'MissingAction', path, MESSAGES.MissingActions);
    return;
  }
  const field = s.Action !== undefined ? 'Action' : 'NotAction';
  const list = stringList(s[field]);
  if (list === undefined) report.error(RANK.syntax, 'InvalidAction', `${path}.${field}`, MESSAGES.SyntaxError);
  else if (list.length === 0) report.error(RANK.actions, 'MissingAction', `${path}.${field}`, MESSAGES.MissingActions);
  else {
    let wellFormed = true;
    for (const a of list) {
      const problem = actionError(a);
      if (problem === undefined) continue;
      wellFormed = false;
      report.error(field === 'Action' ? RANK.action : RANK.notAction, 'InvalidAction', `${path}.${field}`, problem);
      break;
    }
    if (kind === 'trust' && field === 'Action' && wellFormed && !list.every(trustActionOk))
      report.error(RANK.trustAction, 'TrustPolicyAction', `${path}.Action`, MESSAGES.TrustActions);
    st[field] = list;
  }
}

/** Resource / NotResource: exactly one, not empty, except trust policies, which have none. ARNs are checked across statements. */
function parseResources(s: { [k: string]: Json }, path: string, st: PolicyStatement, ctx: Context): void {
  const { kind, report } = ctx;
  if (s.Resource !== undefined && s.NotResource !== undefined) {
    report.error(RANK.syntax, 'ResourceAndNotResource', path, MESSAGES.SyntaxError);
    return;
  }
  const field = s.Resource !== undefined ? 'Resource' : s.NotResource !== undefined ? 'NotResource' : undefined;
  if (kind === 'trust') {
    if (field !== undefined) report.error(RANK.prohibitedResource, 'ProhibitedResource', path, MESSAGES.ProhibitedResource);
    return;
  }
  if (field === undefined) {
    report.error(RANK.resources, 'MissingResource', path, MESSAGES.MissingResources);
    return;
  }
  const list = stringList(s[field]);
  if (list === undefined) report.error(RANK.syntax, 'InvalidResource', `${path}.${field}`, MESSAGES.SyntaxError);
  else if (list.length === 0) report.error(RANK.resources, 'MissingResource', `${path}.${field}`, MESSAGES.MissingResources);
  else {
    ctx.resources.push({ field, path: `${path}.${field}`, list });
    st[field] = list;
  }
}

/** True when `value` is an ARN whose partition is written out (no wildcard or variable) and is not `partition`. */
function otherPartition(value: string, partition: string | undefined): boolean {
  if (partition === undefined || !value.startsWith('arn:') || value.indexOf(':', 4) < 0) return false;
  const written = value.slice(4, value.indexOf(':', 4));
  return !/[*?$]/.test(written) && written !== partition;
}

/** A string or a non-empty array of strings, as an array; `undefined` otherwise. */
function principalList(v: Json | undefined): string[] | undefined {
  const list = stringList(v);
  return list !== undefined && list.length > 0 ? list : undefined;
}

function parsePrincipal(v: Json, path: string, { kind, options, report }: Context): PrincipalBlock | undefined {
  if (v === '*') return '*';
  if (!isObject(v)) {
    report.error(RANK.syntax, 'InvalidPrincipal', path, MESSAGES.SyntaxError);
    return undefined;
  }
  const block: { [type: string]: string[] } = {};
  for (const [type, raw] of Object.entries(v)) {
    const list = principalList(raw);
    if (!PRINCIPAL_TYPES.has(type) || list === undefined) {
      report.error(RANK.principal, 'InvalidPrincipal', `${path}.${type}`, MESSAGES.invalidPrincipal(type, typeof raw === 'string' ? raw : JSON.stringify(raw)));
      continue;
    }
    for (const p of list) {
      if (type === 'AWS' && p !== '*' && (p.includes('*') || p.includes('?'))) {
        // AWS: "You cannot use a wildcard to match part of a principal name or ARN."
        if (kind === 'trust') report.error(RANK.principal, 'InvalidPrincipal', `${path}.${type}`, MESSAGES.invalidPrincipal(type, p));
        else report.warn('PrincipalWildcard', `${path}.${type}`, `wildcards are not expanded in principal \`${p}\`: it matches no principal`);
      }
      if ((type === 'AWS' || type === 'Federated') && otherPartition(p, options.partition))
        report.error(RANK.principal, 'InvalidPrincipal', `${path}.${type}`, MESSAGES.invalidPrincipal(type, p));
    }
    block[type] = list;
  }
  return block;
}

function isScalar(x: Json): x is string | number | boolean {
  return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
}

/**
 * Condition: operator → key → value(s). Keys are not checked (AWS accepts `"a"`); values are strings,
 * numbers or booleans, alone or in a (possibly empty) array. An operator AWS does not know is accepted only
 * with an empty block, which means nothing and is left out of the document.
 */
function parseCondition(v: Json, path: string, report: Report): PolicyStatement['Condition'] {
  if (!isObject(v)) {
    report.error(RANK.syntax, 'InvalidCondition', path, MESSAGES.SyntaxError);
    return undefined;
  }
  const out: NonNullable<PolicyStatement['Condition']> = {};
  for (const [opName, block] of Object.entries(v)) {
    const opPath = `${path}.${opName}`;
    if (!isObject(block)) {
      report.error(RANK.syntax, 'InvalidCondition', opPath, MESSAGES.SyntaxError);
      continue;
    }
    const op = parseOperatorName(opName);
    if (op === undefined) {
      if (Object.keys(block).length > 0) report.error(RANK.syntax, 'UnknownConditionOperator', opPath, MESSAGES.SyntaxError);
      continue;
    }
    const isDate = op.operator?.name.startsWith('Date') === true;
    const keys: { [key: string]: string[] } = {};
    for (const [key, raw] of Object.entries(block)) {
      const keyPath = `${opPath}.${key}`;
      const items = Array.isArray(raw) ? raw : [raw];
      if (!items.every(isScalar)) {
        report.error(RANK.syntax, 'InvalidConditionValue', keyPath, MESSAGES.SyntaxError);
        continue;
      }
      const values = items.map((x) => String(x));
      for (const value of values) {
        const variable = value.includes('${');
        if (isDate && !variable && !legacyDateOk(value)) {
          report.error(RANK.legacy, 'InvalidConditionValue', keyPath, MESSAGES.LegacyParsing);
          continue;
        }
        if (op.operator === null) {
          if (value !== 'true' && value !== 'false')
            report.warn('InvalidConditionValue', keyPath, `\`${value}\` is not true or false: this Null condition never matches`);
          continue;
        }
        const c = op.operator.compile(value, false);
        if (typeof c !== 'function' && !variable) report.warn('InvalidConditionValue', keyPath, `${c.invalid}: this value never matches`);
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
