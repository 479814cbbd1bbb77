// The policy simulator: a user, group or role (SimulatePrincipalPolicy) or pasted policies
// (SimulateCustomPolicy); actions (typed, or picked from common ones with a filter), resource
// ARNs, and the context keys the policies use (GetContextKeysFor*). Results say allowed/denied
// per action and resource, and why: the statements that decided, highlighted in their policy's
// text at the positions the API returns, the context values that were missing, and the
// permissions boundary's decision.
import { awsManagedPolicy } from '../../catalog/aws-managed-policies.ts';
import { loadServiceCatalogues } from '../../protect/catalogue.ts';
import { conditionKeyPattern, type ServiceCatalogue } from '../../protect/catalogue-format.ts';
import { APP, csrfField, errorText, flash, notice, send, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import type { MessageKey } from './messages.ts';
import { listAll, read, type AttachedPolicy, type EvaluationResult, type MatchedStatement, type Position } from './outputs.ts';
import { degraded, load, loadFailed, type Loaded } from './sections.ts';

export const COMMON_ACTIONS = [
  'iam:GetUser',
  'iam:ListUsers',
  'iam:CreateUser',
  'iam:DeleteUser',
  'iam:ChangePassword',
  'iam:CreateAccessKey',
  'iam:ListAccessKeys',
  'iam:GetAccountSummary',
  'iam:ListGroups',
  'iam:AddUserToGroup',
  'iam:ListRoles',
  'iam:GetRole',
  'iam:CreateRole',
  'iam:PassRole',
  'iam:AttachRolePolicy',
  'iam:PutRolePolicy',
  'iam:ListPolicies',
  'iam:CreatePolicy',
  'iam:AttachUserPolicy',
  'iam:SimulatePrincipalPolicy',
  'iam:EnableMFADevice',
  'sts:AssumeRole',
  'sts:GetCallerIdentity',
  'sts:GetSessionToken',
  'sts:GetFederationToken',
  'sts:TagSession',
  's3:ListAllMyBuckets',
  's3:ListBucket',
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:CreateBucket',
  's3:DeleteBucket',
  's3:GetBucketPolicy',
  's3:PutBucketPolicy',
  'ec2:DescribeInstances',
  'ec2:RunInstances',
  'ec2:TerminateInstances',
  'lambda:InvokeFunction',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'logs:PutLogEvents',
];

const POLICY_SLOTS = 3;

/** Character offsets of a 1-based, inclusive line/column range in `text`. */
export function offsetsOf(text: string, start: Position, end: Position): [number, number] | undefined {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const at = (p: Position) => {
    const lineStart = p.Line >= 1 ? lineStarts[p.Line - 1] : undefined;
    return lineStart === undefined ? undefined : lineStart + p.Column - 1;
  };
  const a = at(start);
  const b = at(end);
  if (a === undefined || b === undefined || b < a || b >= text.length) return undefined;
  return [a, b + 1];
}

/** The policy text with the given ranges marked. */
export function highlighted(text: string, ranges: { start: Position; end: Position; deny: boolean }[]): SafeHtml {
  const spans = ranges
    .map((r) => ({ o: offsetsOf(text, r.start, r.end), deny: r.deny }))
    .filter((r): r is { o: [number, number]; deny: boolean } => r.o !== undefined)
    .sort((x, y) => x.o[0] - y.o[0]);
  const parts: SafeHtml[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.o[0] < at) continue;
    parts.push(html`${text.slice(at, s.o[0])}<mark class="${s.deny ? 'deny' : 'allow'}">${text.slice(s.o[0], s.o[1])}</mark>`);
    at = s.o[1];
  }
  parts.push(html`${text.slice(at)}`);
  return html`<pre class="policy-text">${parts}</pre>`;
}

/** The simulator's ContextKeyType of a catalogue's key type (ARN keys are strings). */
const CATALOGUE_KEY_TYPES: Record<string, string> = { Numeric: 'numeric', Bool: 'boolean', Date: 'date', IPAddress: 'ip', Binary: 'binary' };

function contextType(key: string, values: string[], catalogues: readonly ServiceCatalogue[] = []): string {
  const k = key.toLowerCase();
  const declared = catalogues.flatMap((c) => c.ConditionKeys).find((d) => conditionKeyPattern(d.Name).test(key));
  if (declared) {
    const base = CATALOGUE_KEY_TYPES[declared.Type.replace(/^ArrayOf/, '')] ?? 'string';
    return declared.Type.startsWith('ArrayOf') || values.length > 1 ? `${base}List` : base;
  }
  const base = ['aws:currenttime', 'aws:tokenissuetime', 'aws:epochtime'].includes(k)
    ? k === 'aws:epochtime'
      ? 'numeric'
      : 'date'
    : ['aws:multifactorauthpresent', 'aws:securetransport', 'aws:viaawsservice', 'aws:principalisawsservice'].includes(k)
      ? 'boolean'
      : k === 'aws:multifactorauthage'
        ? 'numeric'
        : k === 'aws:sourceip'
          ? 'ip'
          : 'string';
  return values.length > 1 || k === 'aws:tagkeys' ? `${base}List` : base;
}

interface PolicySourceText {
  /** SourcePolicyType as the API reports it: user / group / role (inline), aws-managed, user-managed, none. */
  type: string;
  id: string;
  load: () => Promise<string | undefined>;
}

const decode = (s: unknown) => {
  try {
    return decodeURIComponent(String(s ?? ''));
  } catch {
    return String(s ?? '');
  }
};

/** The actions that list and read each kind of principal's policies. */
const ENTITY_POLICIES = {
  user: { key: 'UserName', inline: 'ListUserPolicies', get: 'GetUserPolicy', attached: 'ListAttachedUserPolicies' },
  group: { key: 'GroupName', inline: 'ListGroupPolicies', get: 'GetGroupPolicy', attached: 'ListAttachedGroupPolicies' },
  role: { key: 'RoleName', inline: 'ListRolePolicies', get: 'GetRolePolicy', attached: 'ListAttachedRolePolicies' },
} as const;

type EntityKind = keyof typeof ENTITY_POLICIES;

/**
 * Where the texts of a principal's policies come from (listed cheaply; a text is loaded only when
 * a statement of it matched). Only the highlighting needs them: a listing that fails leaves its
 * policies unhighlighted, and its reason is returned to be shown with the results.
 */
async function principalSources(rq: Rq, arn: string): Promise<{ sources: PolicySourceText[]; problems: string[] }> {
  const m = /:(user|group|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) return { sources: [], problems: [] };
  const sources: PolicySourceText[] = [];
  const problems: string[] = [];
  const got = async <T>(lookup: () => Promise<T>): Promise<T | undefined> => {
    const r = await load(rq, lookup);
    if (r.ok) return r.value;
    problems.push(r.reason);
    return undefined;
  };
  const managed = (p: AttachedPolicy) => {
    const aws = /:iam::aws:policy\//.test(p.PolicyArn);
    sources.push({
      type: aws ? 'aws-managed' : 'user-managed',
      id: p.PolicyName,
      load: async () => {
        if (aws) return awsManagedPolicy(p.PolicyArn)?.document;
        const policy = (await read(rq, 'GetPolicy', { PolicyArn: p.PolicyArn })).Policy;
        return decode((await read(rq, 'GetPolicyVersion', { PolicyArn: p.PolicyArn, VersionId: policy.DefaultVersionId })).PolicyVersion.Document);
      },
    });
  };
  const entity = async (kind: EntityKind, name: string) => {
    const spec = ENTITY_POLICIES[kind];
    const by = { [spec.key]: name };
    for (const n of (await got(() => listAll(rq, spec.inline, by))) ?? []) {
      sources.push({ type: kind, id: n, load: async () => decode((await read(rq, spec.get, { ...by, PolicyName: n })).PolicyDocument) });
    }
    for (const p of (await got(() => listAll(rq, spec.attached, by))) ?? []) managed(p);
  };
  // Both groups always participate in a match.
  const kind = m[1] as EntityKind;
  const name = m[2]!;
  await entity(kind, name);
  if (kind === 'user') for (const g of (await got(() => listAll(rq, 'ListGroupsForUser', { UserName: name }))) ?? []) await entity('group', g.GroupName);
  if (kind !== 'group') {
    const boundary = await got(async () =>
      kind === 'user'
        ? (await read(rq, 'GetUser', { UserName: name })).User.PermissionsBoundary
        : (await read(rq, 'GetRole', { RoleName: name })).Role.PermissionsBoundary,
    );
    const boundaryArn = boundary?.PermissionsBoundaryArn;
    if (boundaryArn) managed({ PolicyArn: boundaryArn, PolicyName: /[^/]+$/.exec(boundaryArn)![0] });
  }
  return { sources, problems };
}

/** A problem with the form itself (shown as is). */
class FormProblem extends Error {}

const lines = (s: string | null) =>
  (s ?? '')
    .split(/\r?\n/)
    .map((x) => x.trim())
    .filter(Boolean);

type TextOf = (type: string, id: string) => Promise<Loaded<string | undefined>>;

export async function simulatorPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const f = rq.form;
  const run = rq.method === 'POST';
  const mode = f.get('mode') === 'custom' ? 'custom' : 'principal';
  const principal = f.get('principal') ?? rq.url.searchParams.get('principal') ?? '';
  const policies = Array.from({ length: POLICY_SLOTS }, (_, i) => f.get(`policy${i + 1}`) ?? '');
  const boundary = f.get('boundary') ?? '';
  const actions = [...new Set([...f.getAll('action'), ...lines(f.get('actions'))])];
  const resources = lines(f.get('resources'));
  const [users, groups, roles, catalogues] = await Promise.all([
    load(rq, () => listAll(rq, 'ListUsers')),
    load(rq, () => listAll(rq, 'ListGroups')),
    load(rq, () => listAll(rq, 'ListRoles')),
    // The account's registered services: their actions join the picker, their keys' types the context.
    load(rq, () => loadServiceCatalogues(rq.deps.services.store, rq.principal?.accountId ?? '')),
  ]);
  const registered = catalogues.ok ? catalogues.value : [];
  const customTexts = policies.filter((p) => p.trim() !== '');

  let error: string | undefined;
  let contextKeys: string[] = [];
  let results: EvaluationResult[] | undefined;
  let sources: PolicySourceText[] = [];
  let sourceProblems: string[] = [];
  if (run) {
    try {
      if (mode === 'principal' && !principal) throw new FormProblem(t('sim.chooseMode'));
      if (mode === 'custom' && customTexts.length === 0) throw new FormProblem(t('sim.chooseMode'));
      contextKeys =
        (mode === 'principal'
          ? await read(rq, 'GetContextKeysForPrincipalPolicy', { PolicySourceArn: principal })
          : await read(rq, 'GetContextKeysForCustomPolicy', { PolicyInputList: customTexts })
        ).ContextKeyNames ?? [];
      if (actions.length === 0) throw new FormProblem(t('sim.needActions'));
      const entries = contextKeys
        .map((k) => ({
          k,
          values: (f.get(`ctx:${k}`) ?? '')
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean),
        }))
        .filter((e) => e.values.length > 0)
        .map((e) => ({ ContextKeyName: e.k, ContextKeyValues: e.values, ContextKeyType: contextType(e.k, e.values, registered) }));
      const input = {
        ActionNames: actions,
        ResourceArns: resources.length > 0 ? resources : undefined,
        ContextEntries: entries.length > 0 ? entries : undefined,
        MaxItems: 1000,
      };
      const boundaries = boundary.trim() ? [boundary] : undefined;
      const out =
        mode === 'principal'
          ? await read(rq, 'SimulatePrincipalPolicy', { ...input, PolicySourceArn: principal })
          : await read(rq, 'SimulateCustomPolicy', { ...input, PolicyInputList: customTexts, PermissionsBoundaryPolicyInputList: boundaries });
      results = out.EvaluationResults ?? [];
      if (mode === 'principal') ({ sources, problems: sourceProblems } = await principalSources(rq, principal));
      else {
        sources = [
          ...customTexts.map((text, i) => ({ type: 'none', id: `PolicyInputList.${i + 1}`, load: async () => text })),
          ...(boundary.trim() ? [{ type: 'none', id: 'PermissionsBoundaryPolicyInputList.1', load: async () => boundary }] : []),
        ];
      }
    } catch (e) {
      error = e instanceof FormProblem ? e.message : errorText(rq, e);
    }
  }

  const texts = new Map<string, Promise<Loaded<string | undefined>>>();
  const textOf: TextOf = (type, id) => {
    const key = `${type}|${id}`;
    if (!texts.has(key)) {
      const s = sources.find((x) => x.type === type && x.id === id) ?? sources.find((x) => x.id === id);
      texts.set(
        key,
        load(rq, async () => (s ? s.load() : undefined)),
      );
    }
    return texts.get(key)!;
  };
  const resultRows = results ? await Promise.all(results.map((r, i) => resultRow(rq, r, i, textOf))) : [];

  const option = (arn: string, label: string) => html`<option value="${arn}"${arn === principal ? ' selected' : ''}>${label}</option>`;
  const listFailures = (
    [
      [t('nav.users'), users],
      [t('nav.groups'), groups],
      [t('nav.roles'), roles],
    ] as const
  ).map(([what, r]) => (r.ok ? '' : loadFailed(rq, what, r.reason)));
  const checkedIf = (on: boolean) => (on ? ' checked' : '');
  const commonAction = (a: string) => html`<tr data-name="${a.toLowerCase()}"><td><label class="check">\
<input type="checkbox" name="action" value="${a}"${checkedIf(f.getAll('action').includes(a))}> ${a}</label></td></tr>`;
  const contextCard = html`<section class="card" id="context-keys"><h2>${t('sim.contextKeys')}</h2>
${
  contextKeys.length === 0
    ? html`<p class="empty">${t('sim.noContextKeys')}</p>`
    : html`<p class="hint">${t('sim.contextHint')}</p>${contextKeys.map(
        (k) => html`<label>${k}<input name="ctx:${k}" data-context-key="${k}" value="${f.get(`ctx:${k}`) ?? ''}"></label>`,
      )}`
}</section>`;
  const body = html`${flash(rq)}${error ? notice('error', error) : ''}
<p class="hint">${t('sim.intro')}</p>
<form method="post" action="${APP}/simulator" id="simulator-form">${csrfField(rq)}
<section class="card"><h2>${t('sim.mode')}</h2>
<label class="check"><input type="radio" name="mode" value="principal" id="mode-principal"${checkedIf(mode === 'principal')}> ${t('sim.mode.principal')}</label>
<label class="check"><input type="radio" name="mode" value="custom" id="mode-custom"${checkedIf(mode === 'custom')}> ${t('sim.mode.custom')}</label>
<div data-mode="principal">${listFailures}<label>${t('sim.principal')}<select name="principal" id="sim-principal"><option value=""></option>
<optgroup label="${t('nav.users')}">${(users.ok ? users.value : []).map((u) => option(u.Arn, u.UserName))}</optgroup>
<optgroup label="${t('nav.groups')}">${(groups.ok ? groups.value : []).map((g) => option(g.Arn, g.GroupName))}</optgroup>
<optgroup label="${t('nav.roles')}">${(roles.ok ? roles.value : []).map((r) => option(r.Arn, r.RoleName))}</optgroup></select></label></div>
<div data-mode="custom"><h3>${t('sim.customPolicies')}</h3>
${policies.map(
  (p, i) => html`<label>${t('sim.customPolicy', { n: i + 1 })}\
<textarea name="policy${i + 1}" id="sim-policy-${i + 1}" rows="${i === 0 ? '10' : '4'}" spellcheck="false">${p}</textarea></label>`,
)}
<label>${t('sim.boundaryPolicy')}<textarea name="boundary" id="sim-boundary" rows="4" spellcheck="false">${boundary}</textarea></label></div>
</section>
<section class="card"><h2>${t('sim.actions')}</h2>
<label>${t('sim.actions')}<textarea name="actions" id="sim-actions" rows="4" spellcheck="false">${lines(f.get('actions')).join('\n')}</textarea></label>\
<p class="hint">${t('sim.actionsHint')}</p>
<details id="common-actions"${f.getAll('action').length > 0 ? ' open' : ''}><summary>${t('sim.commonActions')}</summary>
<label>${t('common.filter')}<input type="search" id="action-filter" data-filter-table="action-picker"></label>
<div class="scroll"><table class="list" id="action-picker"><tbody>${[...COMMON_ACTIONS, ...registered.flatMap((c) => c.Actions.map((a) => `${c.Name}:${a.Name}`))].map(commonAction)}</tbody></table></div></details>
<label>${t('sim.resources')}<textarea name="resources" id="sim-resources" rows="3" spellcheck="false">${resources.join('\n')}</textarea></label>\
<p class="hint">${t('sim.resourcesHint')}</p>
</section>
${run && !error?.startsWith(t('sim.chooseMode')) ? contextCard : ''}
<div class="actions"><button type="submit" class="primary" id="sim-run">${t('sim.run')}</button></div>
</form>
${
  results
    ? html`<section class="card" id="sim-results"><h2>${t('sim.results')}</h2>
${sourceProblems.length > 0 ? degraded(t('sim.sourcesFailed', { reason: [...new Set(sourceProblems)].join(' ') })) : ''}
<table class="list results"><thead><tr><th>${t('sim.action')}</th><th>${t('sim.resource')}</th><th>${t('sim.decision')}</th></tr></thead>\
<tbody>${resultRows}</tbody></table></section>`
    : ''
}`;
  send(rq, 200, layout(rq, t('nav.simulator'), body, '/simulator'));
}

const DECISION_KEYS: Record<string, MessageKey> = { allowed: 'sim.allowed', explicitDeny: 'sim.explicitDeny', implicitDeny: 'sim.implicitDeny' };

async function resultRow(rq: Rq, r: EvaluationResult, i: number, textOf: TextOf): Promise<SafeHtml> {
  const t = rq.t;
  const decision = String(r.EvalDecision);
  const matched = r.MatchedStatements ?? [];
  // One highlighted text per policy, with every matched statement of it marked.
  const byPolicy = new Map<string, { type: string; id: string; statements: MatchedStatement[] }>();
  for (const m of matched) {
    const key = `${m.SourcePolicyType}|${m.SourcePolicyId}`;
    if (!byPolicy.has(key)) byPolicy.set(key, { type: m.SourcePolicyType, id: m.SourcePolicyId, statements: [] });
    byPolicy.get(key)!.statements.push(m);
  }
  const blocks = await Promise.all(
    [...byPolicy.values()].map(async (p) => {
      const text = await textOf(p.type, p.id);
      const deny = decision === 'explicitDeny';
      const ranges = p.statements.flatMap((s) => (s.StartPosition && s.EndPosition ? [{ start: s.StartPosition, end: s.EndPosition, deny }] : []));
      const where = (s: MatchedStatement) =>
        t('sim.statementIn', { policy: p.id, type: p.type, from: s.StartPosition?.Line ?? '?', to: s.EndPosition?.Line ?? '?' });
      const shown = !text.ok ? degraded(t('sim.textFailed', { reason: text.reason })) : text.value ? highlighted(text.value, ranges) : '';
      return html`<div class="matched" data-policy="${p.id}">${p.statements.map((s) => html`<p>${where(s)}</p>`)}${shown}</div>`;
    }),
  );
  const missing = r.MissingContextValues ?? [];
  const boundary = r.PermissionsBoundaryDecisionDetail;
  return html`<tr class="result" data-action="${r.EvalActionName}" data-resource="${r.EvalResourceName}" data-decision="${decision}" id="result-${String(i)}">
<td><code>${r.EvalActionName}</code></td><td><code>${r.EvalResourceName}</code></td>
<td><span class="decision ${decision}">${t(DECISION_KEYS[decision] ?? 'sim.implicitDeny')}</span>
${
  boundary
    ? html`<p class="boundary" data-allowed="${String(Boolean(boundary.AllowedByPermissionsBoundary))}">\
${boundary.AllowedByPermissionsBoundary ? t('sim.boundaryAllows') : t('sim.boundaryDenies')}</p>`
    : ''
}
${missing.length > 0 ? html`<p class="missing">${t('sim.missingContext', { keys: missing.join(', ') })}</p>` : ''}
${
  blocks.length > 0
    ? html`<details class="why"${decision !== 'implicitDeny' ? ' open' : ''}>\
<summary>${t('sim.matched')} (${matched.length})</summary>${blocks}</details>`
    : ''
}</td></tr>`;
}
