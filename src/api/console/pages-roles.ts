// Roles: list (search, paging), create (trusted entity → generated trust policy, editable;
// policies; name, description, maximum session duration), and a role's page: summary, permissions
// (attached, inline, boundary), trust relationships, tags, "Revoke active sessions", instance
// profiles with their workloads (iamd exec), delete.
import { AwsError } from '../../errors/aws-error.ts';
import type { Workload as WorkloadView } from '../../actions/generated/iamd.ts';
import {
  APP,
  arnOf,
  badJson,
  call,
  can,
  csrfField,
  errorText,
  flash,
  fmtDate,
  jsonObject,
  me,
  notice,
  postButton,
  redirect,
  redirectWithError,
  send,
  setFlashError,
  type Rq,
} from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { entityTabs } from './pages-access-advisor.ts';
import { roleActivity } from './pages-audit.ts';
import { layout } from './layout.ts';
import { nameAttrs } from './name-field.ts';
import { hoursText } from './words.ts';
import { disabledIf, itemLink, listPage, searchOrPage, tagsCard, type Allowed } from './list-page.ts';
import type { MessageKey } from './messages.ts';
import { listAll, read, type InstanceProfileRow, type RoleRow, type Tag, type UserRow } from './outputs.ts';
import { attachablePolicies, policyPicker } from './pages-groups.ts';
import { policyEditor } from './pages-policy-editor.ts';
import { back } from './pages-users.ts';
import { degraded, load, loaded, section, type Loaded } from './sections.ts';
import { isTrustedEntity, TRUST_SERVICES, trustedEntities, trustPolicyFor, type TrustChoice, type TrustedEntityView } from './trust.ts';

/** AWS's inline policy that denies every session of the role issued before it was written. */
export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';
export function revokeOlderSessionsPolicy(now: Date): string {
  const condition = { DateLessThan: { 'aws:TokenIssueTime': now.toISOString() } };
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: condition }] });
}

const rolePath = (name: string) => `${APP}/roles/${encodeURIComponent(name)}`;
const PAGE_SIZE = 50;

const ENTITY_KEYS: Record<TrustedEntityView['kind'], MessageKey> = {
  service: 'roles.entity.service',
  account: 'roles.entity.account',
  principal: 'roles.entity.principal',
  any: 'roles.entity.any',
};

function entityText(rq: Rq, e: TrustedEntityView): string {
  return rq.t(ENTITY_KEYS[e.kind], { value: e.value });
}

/** The trusted entities of a trust policy, one per line. */
function entityList(rq: Rq, trust: string): SafeHtml[] {
  return trustedEntities(trust).map((e) => html`<div>${entityText(rq, e)}</div>`);
}

function decodeDoc(text: unknown): string {
  try {
    return decodeURIComponent(String(text ?? ''));
  } catch {
    return String(text ?? '');
  }
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 4);
  } catch {
    return text;
  }
}

const checked = (on: boolean | undefined) => (on ? ' checked' : '');
const reasonIf = (a: Allowed) => (a.allowed ? '' : html`<span class="reason">${a.reason ?? ''}</span>`);

export async function rolesList(rq: Rq): Promise<void> {
  const t = rq.t;
  const q = (rq.url.searchParams.get('q') ?? '').trim().toLowerCase();
  const matches = (r: RoleRow) => r.RoleName.toLowerCase().includes(q) || (r.Description ?? '').toLowerCase().includes(q);
  await listPage<RoleRow>(rq, {
    title: t('nav.roles'),
    nav: '/roles',
    what: t('nav.roles'),
    id: 'roles',
    create: { action: 'iam:CreateRole', resource: arnOf(rq, 'role', '*'), href: `${APP}/roles/new`, label: t('roles.create'), id: 'create-role' },
    search: { q },
    columns: [
      { header: t('roles.name'), cell: (r) => itemLink(rolePath(r.RoleName), r.RoleName) },
      { header: t('roles.trustedEntities'), cell: (r) => entityList(rq, decodeDoc(r.AssumeRolePolicyDocument)) },
      { header: t('policies.description'), cell: (r) => r.Description ?? '' },
      { header: t('users.created'), cell: (r) => fmtDate(rq, r.CreateDate) },
    ],
    rowData: (r) => ({ role: r.RoleName }),
    empty: t('roles.none'),
    list: () => searchOrPage(rq, 'ListRoles', q, matches, PAGE_SIZE),
  });
}

/** A form or JSON value as text: a JSON object or array is no text (String() of one may throw). */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

/** The trusted-entity choice in a form (the new-role page and the trust-policy endpoint). */
export function trustChoiceOf(get: (k: string) => unknown): TrustChoice {
  const entity = text(get('entity')) || 'service';
  const users = get('userArn');
  return {
    entity: isTrustedEntity(entity) ? entity : 'service',
    service: text(get('service')),
    accountId: text(get('accountId')),
    externalId: text(get('externalId')),
    requireMfa: ['1', 'true', true].includes(get('requireMfa') as string),
    userArns: Array.isArray(users) ? users.map(text).filter(Boolean) : typeof users === 'string' && users ? [users] : [],
  };
}

/** POST /console/api/trust-policy {entity, service, accountId, externalId, requireMfa, userArn[]}: the generated trust policy. */
export async function trustPolicyApi(rq: Rq): Promise<void> {
  const body = jsonObject(rq);
  if (!body) return badJson(rq);
  const p = me(rq);
  send(
    rq,
    200,
    JSON.stringify({
      document: trustPolicyFor(
        trustChoiceOf((k) => body[k]),
        p.caller.partition,
        p.accountId,
      ),
    }),
    'application/json',
  );
}

export async function newRolePage(rq: Rq, error?: string): Promise<void> {
  const t = rq.t;
  const f = rq.form;
  const p = me(rq);
  const choice = trustChoiceOf((k) => (k === 'userArn' ? f.getAll(k) : (f.get(k) ?? undefined)));
  const users = await load(rq, () => listAll(rq, 'ListUsers'));
  const trust = f.get('trust') || trustPolicyFor(choice, p.caller.partition, p.accountId);
  const hours = Number(f.get('maxSessionHours') ?? '1');
  const picked = new Set(f.getAll('policy'));
  const entity = (value: string, type: MessageKey, hint: MessageKey) => html`<label class="check">\
<input type="radio" name="entity" value="${value}" id="entity-${value}"${checked(choice.entity === value)}> ${t(type)}</label><p class="hint">${t(hint)}</p>`;
  const service = (s: (typeof TRUST_SERVICES)[number]) =>
    html`<option value="${s.principal}"${choice.service === s.principal ? ' selected' : ''}>${s.label} (${s.principal})</option>`;
  const userItem = (u: UserRow) => html`<li><label class="check">\
<input type="checkbox" name="userArn" value="${u.Arn}"${checked(choice.userArns?.includes(u.Arn))}> ${u.UserName}</label></li>`;
  const userList = (list: UserRow[]) =>
    html`<ul class="plain" id="trust-users">${list.map(userItem)}</ul>${list.length === 0 ? html`<p class="empty">${t('users.none')}</p>` : ''}`;
  const body = html`${error ? notice('error', error) : ''}
<form method="post" action="${APP}/roles/new" id="new-role-form" data-trust-form>${csrfField(rq)}
<section class="card"><h2>${t('roles.step.trust')}</h2>
<fieldset id="trusted-entity"><legend>${t('roles.trustedEntityType')}</legend>
${entity('service', 'roles.type.service', 'roles.type.serviceHint')}
${entity('account', 'roles.type.account', 'roles.type.accountHint')}
${entity('users', 'roles.type.users', 'roles.type.usersHint')}
<div data-entity="service"><label>${t('roles.service')}<select name="service" id="trust-service">${TRUST_SERVICES.map(service)}</select></label>
<p class="hint">${t('roles.ec2Hint')}</p></div>
<div data-entity="account"><label>${t('dash.accountId')}\
<input name="accountId" id="trust-account" value="${choice.accountId || p.accountId}" pattern="[0-9]{12}" maxlength="12" inputmode="numeric"></label>
<label>${t('roles.externalId')}<input name="externalId" id="trust-external-id" value="${choice.externalId ?? ''}" maxlength="1224"></label>\
<p class="hint">${t('roles.externalIdHint')}</p></div>
<div data-entity="users"><p>${t('roles.pickUsers')}</p>${section(rq, t('nav.users'), users, userList)}</div>
<div data-entity="account users"><label class="check"><input type="checkbox" name="requireMfa" value="1" id="trust-mfa"${checked(choice.requireMfa)}> \
${t('roles.requireMfa')}</label></div>
</fieldset>
<h3>${t('roles.trustPolicy')}</h3><p class="hint">${t('roles.trustPolicyHint')}</p>
${policyEditor(rq, 'trust', trust, 'trust')}
<button type="button" id="regenerate-trust" hidden>${t('roles.regenerate')}</button>
</section>
<section class="card"><h2>${t('roles.step.permissions')}</h2>
${policyPicker(rq, await attachablePolicies(rq), picked)}
</section>
<section class="card"><h2>${t('roles.step.name')}</h2>
<label>${t('roles.name')}<input name="name" id="role-name" value="${f.get('name') ?? ''}"${nameAttrs(rq, 64)} \
required><span class="field-error" aria-live="polite"></span></label>
<p class="hint">${t('users.nameRules')}</p>
<label>${t('policies.description')}<input name="description" id="role-description" value="${f.get('description') ?? ''}" maxlength="1000"></label>
${maxSessionSelect(rq, Number.isInteger(hours) ? hours : 1)}
</section>
<div class="actions"><a class="button" href="${APP}/roles">${t('common.cancel')}</a>\
<button type="submit" class="primary" id="create-role-submit">${t('roles.create')}</button></div></form>`;
  send(rq, error ? 400 : 200, layout(rq, t('roles.createTitle'), body, '/roles'));
}

function maxSessionSelect(rq: Rq, hours: number): SafeHtml {
  const option = (h: number) => html`<option value="${String(h)}"${h === hours ? ' selected' : ''}>${hoursText(rq, h)}</option>`;
  const options = Array.from({ length: 12 }, (_, i) => option(i + 1));
  return html`<label>${rq.t('roles.maxSession')}<select name="maxSessionHours" id="max-session">${options}</select></label>\
<p class="hint">${rq.t('roles.maxSessionHint')}</p>`;
}

function hoursOf(rq: Rq): number {
  const h = Number(rq.form.get('maxSessionHours') ?? '1');
  return Number.isInteger(h) && h >= 1 && h <= 12 ? h : 1;
}

export async function postNewRole(rq: Rq): Promise<void> {
  const f = rq.form;
  const p = me(rq);
  const name = (f.get('name') ?? '').trim();
  const choice = trustChoiceOf((k) => (k === 'userArn' ? f.getAll(k) : (f.get(k) ?? undefined)));
  const trust = (f.get('trust') ?? '').trim() || trustPolicyFor(choice, p.caller.partition, p.accountId);
  try {
    await call(rq, 'CreateRole', {
      RoleName: name,
      AssumeRolePolicyDocument: trust,
      Description: f.get('description') || undefined,
      MaxSessionDuration: hoursOf(rq) * 3600,
    });
  } catch (error) {
    return newRolePage(rq, errorText(rq, error));
  }
  try {
    // As AWS's console does for EC2: an instance profile of the same name holds the role.
    if (choice.entity === 'service' && trust.includes('"ec2.amazonaws.com"')) {
      await call(rq, 'CreateInstanceProfile', { InstanceProfileName: name });
      await call(rq, 'AddRoleToInstanceProfile', { InstanceProfileName: name, RoleName: name });
    }
    for (const arn of f.getAll('policy')) await call(rq, 'AttachRolePolicy', { RoleName: name, PolicyArn: arn });
  } catch (error) {
    return back(rq, rolePath(name), error);
  }
  redirect(rq, `${rolePath(name)}?ok=roleCreated`);
}

function workloadStatus(rq: Rq, w: WorkloadView): string {
  return w.Status === 'Active' ? rq.t('common.active') : w.Status === 'Revoked' ? rq.t('workloads.revoked') : rq.t('workloads.expired');
}

/** When "Revoke active sessions" last denied older sessions: the time in its policy, if the role has it. */
async function revokedBefore(rq: Rq, name: string): Promise<string | undefined> {
  const doc = (await read(rq, 'GetRolePolicy', { RoleName: name, PolicyName: REVOKE_POLICY_NAME })).PolicyDocument;
  return /"aws:TokenIssueTime"\s*:\s*"([^"]+)"/.exec(decodeDoc(doc))?.[1];
}

/** An instance profile of the role, with its workloads (or why they could not be listed). */
type ProfileView = InstanceProfileRow & { workloads: Loaded<WorkloadView[]> };

export async function rolePage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name;
  if (name === undefined) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const base = rolePath(name);
  const got = await load(rq, () => read(rq, 'GetRole', { RoleName: name }));
  if (!got.ok) {
    const status = got.error instanceof AwsError && got.error.code === 'NoSuchEntity' ? 404 : 403;
    return send(rq, status, layout(rq, name, html`${flash(rq)}${notice('error', got.reason)}`, '/roles'));
  }
  const role = got.value.Role;
  const arn = role.Arn;
  const trust = pretty(decodeDoc(role.AssumeRolePolicyDocument));
  const byRole = { RoleName: name };
  const [attached, inline, profiles, boundaries] = await Promise.all([
    load(rq, () => listAll(rq, 'ListAttachedRolePolicies', byRole)),
    load(rq, () => listAll(rq, 'ListRolePolicies', byRole)),
    load(rq, () => listAll(rq, 'ListInstanceProfilesForRole', byRole)),
    boundaryOptions(rq),
  ]);
  const profileList = profiles.ok ? profiles.value : [];
  const profileViews: ProfileView[] = await Promise.all(
    profileList.map(async (ip) => ({
      ...ip,
      workloads: await load(
        rq,
        async () => ((await call(rq, 'ListWorkloads', { InstanceProfileName: ip.InstanceProfileName }, 'iamd')).Workloads ?? []) as WorkloadView[],
      ),
    })),
  );
  const revoked = inline.ok && inline.value.includes(REVOKE_POLICY_NAME) ? await load(rq, () => revokedBefore(rq, name)) : loaded(undefined);
  const profileArn = (n: string) => `arn:${me(rq).caller.partition}:iam::${me(rq).accountId}:instance-profile/${n}`;
  const [canDelete, canUpdate, canTrust, canPut, canTag, canBoundary, canProfile, canRevokeWorkload] = await Promise.all([
    can(rq, 'iam:DeleteRole', arn),
    can(rq, 'iam:UpdateRole', arn),
    can(rq, 'iam:UpdateAssumeRolePolicy', arn),
    can(rq, 'iam:PutRolePolicy', arn),
    can(rq, 'iam:TagRole', arn),
    can(rq, 'iam:PutRolePermissionsBoundary', arn),
    can(rq, 'iam:CreateInstanceProfile', profileArn(name)),
    can(rq, 'iam:RemoveRoleFromInstanceProfile', profileArn('*')),
  ]);
  const tags: Tag[] = role.Tags ?? [];
  const hours = Math.round((role.MaxSessionDuration ?? 3600) / 3600);
  const maxSession = role.MaxSessionDuration % 3600 === 0 ? role.MaxSessionDuration / 3600 : (role.MaxSessionDuration / 3600).toFixed(2);
  const lastUsed = role.RoleLastUsed?.LastUsedDate;
  const policyHref = (policyArn: string) => `${APP}/policies/view?arn=${encodeURIComponent(policyArn)}`;
  const inlineHref = (n: string) => `${APP}/inline?kind=role&name=${encodeURIComponent(name)}&policy=${encodeURIComponent(n)}`;
  const boundaryArn = role.PermissionsBoundary?.PermissionsBoundaryArn;

  const summary = html`<section class="card" id="role-summary"><h2>${t('users.summary')}</h2><dl class="facts">
<dt>${t('common.arn')}</dt><dd><code id="role-arn">${arn}</code></dd>
<dt>${t('policies.description')}</dt><dd id="role-description">${role.Description ?? '—'}</dd>
<dt>${t('common.path')}</dt><dd>${role.Path}</dd>
<dt>${t('users.created')}</dt><dd>${fmtDate(rq, role.CreateDate)}</dd>
<dt>${t('roles.lastActivity')}</dt><dd id="role-last-used">\
${lastUsed ? html`${fmtDate(rq, lastUsed)} (${role.RoleLastUsed?.Region ?? ''})` : t('common.never')}</dd>
<dt>${t('roles.trustedEntities')}</dt><dd id="role-trusted">${entityList(rq, trust)}</dd>
<dt>${t('roles.maxSession')}</dt><dd id="role-max-session">${hoursText(rq, maxSession)}</dd>
<dt>${t('roles.instanceProfiles')}</dt><dd>${profiles.ok ? profileList.map((ip) => html`<div><code>${ip.Arn}</code></div>`) : '—'}</dd>
</dl>
<details id="edit-role"><summary>${t('roles.edit')}</summary>
<form method="post" action="${base}/update">${csrfField(rq)}
<label>${t('policies.description')}<input name="description" value="${role.Description ?? ''}" maxlength="1000"></label>
${maxSessionSelect(rq, hours)}
<button type="submit" id="save-role"${disabledIf(canUpdate)}>${t('common.save')}</button>${reasonIf(canUpdate)}</form></details>
${postButton(rq, `${base}/delete`, t('roles.delete'), { allowed: canDelete, danger: true, confirm: t('roles.deleteConfirm', { name }), id: 'delete-role' })}
</section>`;

  const permissions = html`<section class="card" id="role-permissions"><h2>${t('users.permissions')}</h2>
<h3>${t('users.attachedPolicies')}</h3>
${section(
  rq,
  t('users.attachedPolicies'),
  attached,
  (list) =>
    html`<ul class="plain" id="role-attached">${list.map(
      (pol) => html`<li><a href="${policyHref(pol.PolicyArn)}">${pol.PolicyName}</a> \
${postButton(rq, `${base}/detach`, t('common.detach'), { fields: { arn: pol.PolicyArn } })}</li>`,
    )}</ul>`,
)}
<a class="button" id="role-attach" href="${APP}/attach?kind=role&name=${encodeURIComponent(name)}">${t('common.attachPolicies')}</a>
<h3>${t('users.inlinePolicies')}</h3>
${section(
  rq,
  t('users.inlinePolicies'),
  inline,
  (list) => html`<ul class="plain" id="role-inline">${list.map((n) => html`<li><a href="${inlineHref(n)}">${n}</a></li>`)}</ul>`,
)}
<a class="button" href="${APP}/inline?kind=role&name=${encodeURIComponent(name)}">${t('common.addInline')}</a>
<h3>${t('users.boundary')}</h3>
<p id="role-boundary">${
    boundaryArn
      ? html`<a href="${policyHref(boundaryArn)}">${boundaryArn}</a> ${postButton(rq, `${base}/boundary/delete`, t('common.remove'), { danger: true })}`
      : t('users.noBoundary')
  }</p>
${boundaries.note ? degraded(boundaries.note) : ''}
<form method="post" action="${base}/boundary" class="inline">${csrfField(rq)}\
<input name="arn" list="boundary-options" placeholder="arn:aws:iam::aws:policy/…" aria-label="${t('users.boundary')}" size="50" required>\
<datalist id="boundary-options">${boundaries.options.map((pol) => html`<option value="${pol.arn}">${pol.name}</option>`)}</datalist>\
<button type="submit"${disabledIf(canBoundary)}>${t('roles.setBoundary')}</button></form>
</section>`;

  const trustCard = html`<section class="card" id="trust-relationships"><h2>${t('roles.trustRelationships')}</h2>
<p class="hint">${t('roles.trustPolicyHint')}</p>
<form method="post" action="${base}/trust">${csrfField(rq)}${policyEditor(rq, 'document', trust, 'trust')}
<button type="submit" class="primary" id="save-trust"${disabledIf(canTrust)}>${t('roles.updateTrust')}</button>${reasonIf(canTrust)}</form>
</section>`;

  const revokeCard = html`<section class="card" id="revoke-sessions"><h2>${t('roles.revokeTitle')}</h2>
<p>${t('roles.revokeHelp')}</p>
${
  revoked.ok
    ? revoked.value
      ? html`<p class="warning" id="revoked-before">${t('roles.revokedBefore', { time: fmtDate(rq, revoked.value) })}</p>`
      : ''
    : degraded(t('roles.revokeUnknown', { reason: revoked.reason }))
}
${postButton(rq, `${base}/revoke-sessions`, t('roles.revokeButton'), {
  allowed: canPut,
  danger: true,
  confirm: t('roles.revokeConfirm', { name }),
  id: 'revoke-sessions-submit',
})}
</section>`;

  const profile = (ip: ProfileView) => {
    const exec = `iamd exec --instance-profile ${ip.InstanceProfileName} -- your-command`;
    return html`<div class="profile" data-profile="${ip.InstanceProfileName}"><h3>${ip.InstanceProfileName}</h3>
<p>${t('workloads.start')}</p><div class="copy-row"><code class="exec">${exec}</code>\
<button type="button" class="copy" data-copy="${exec}">${t('common.copy')}</button></div>
${section(rq, t('workloads.title'), ip.workloads, (list) => workloadTable(rq, base, list, canRevokeWorkload))}</div>`;
  };
  const profilesCard = html`<section class="card" id="instance-profiles"><h2>${t('roles.instanceProfiles')}</h2>
<p class="hint">${t('workloads.help')}</p>
${section(rq, t('roles.instanceProfiles'), profiles, () =>
  profileViews.length > 0
    ? profileViews.map(profile)
    : html`<p class="empty">${t('roles.noProfiles')}</p>\
${postButton(rq, `${base}/instance-profile`, t('roles.createProfile'), { allowed: canProfile, id: 'create-profile' })}`,
)}
</section>`;

  const body = html`${flash(rq)}${entityTabs(rq, 'roles', name)}
${summary}

${permissions}

${trustCard}

${revokeCard}

${profilesCard}

${tagsCard(rq, base, tags, canTag)}

${await roleActivity(rq, name, arn)}`;
  send(rq, 200, layout(rq, t('roles.roleTitle', { name }), body, '/roles'));
}

/**
 * Boundary suggestions: the account's policies and AWS's broad ones (the field takes any policy
 * ARN). When the account's cannot be listed, only AWS's are offered and `note` says why.
 */
async function boundaryOptions(rq: Rq): Promise<{ options: { arn: string; name: string }[]; note?: string }> {
  const local = await load(rq, () => listAll(rq, 'ListPolicies', { Scope: 'Local' }));
  const partition = me(rq).caller.partition;
  const aws = ['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess'].map((n) => ({ arn: `arn:${partition}:iam::aws:policy/${n}`, name: n }));
  const own = (local.ok ? local.value : []).map((p) => ({ arn: p.Arn, name: p.PolicyName }));
  return { options: [...own, ...aws], note: local.ok ? undefined : rq.t('roles.boundarySuggestionsFailed', { reason: local.reason }) };
}

function workloadTable(rq: Rq, base: string, list: WorkloadView[], allowed: Allowed): SafeHtml {
  const t = rq.t;
  if (list.length === 0) return html`<p class="empty">${t('workloads.none')}</p>`;
  const revoke = (w: WorkloadView) =>
    postButton(rq, `${base}/workloads/revoke`, t('workloads.revoke'), {
      allowed,
      danger: true,
      fields: { id: w.WorkloadId },
      confirm: t('workloads.revokeConfirm', { name: w.Name }),
    });
  const row = (w: WorkloadView) => html`<tr data-workload="${w.WorkloadId}" data-status="${w.Status}">\
<td>${w.Name}<div class="hint"><code>${w.WorkloadId}</code></div></td>\
<td class="status">${workloadStatus(rq, w)}${w.RevokeDate ? html` (${fmtDate(rq, w.RevokeDate)})` : ''}</td><td>${fmtDate(rq, w.CreateDate)}</td>\
<td>${w.LastCredentialsIssued ? fmtDate(rq, w.LastCredentialsIssued) : t('common.never')}</td><td>${w.Expiration ? fmtDate(rq, w.Expiration) : '—'}</td>
<td>${w.Status === 'Active' ? revoke(w) : ''}</td></tr>`;
  return html`<table class="list workloads"><thead><tr><th>${t('workloads.name')}</th><th>${t('common.status')}</th><th>${t('users.created')}</th>\
<th>${t('workloads.lastIssued')}</th><th>${t('workloads.expires')}</th><th></th></tr></thead><tbody>
${list.map(row)}</tbody></table>`;
}

/** POST /roles/:name/<op>: the role page's forms and buttons. */
export async function postRoleOp(rq: Rq, params: Record<string, string>): Promise<void> {
  const name = params.name;
  if (name === undefined) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const base = rolePath(name);
  const f = rq.form;
  const byRole = { RoleName: name };
  try {
    switch (params.op) {
      case 'update':
        await call(rq, 'UpdateRole', { ...byRole, Description: f.get('description') ?? '', MaxSessionDuration: hoursOf(rq) * 3600 });
        return redirect(rq, `${base}?ok=saved`);
      case 'trust':
        await call(rq, 'UpdateAssumeRolePolicy', { ...byRole, PolicyDocument: f.get('document') ?? '' });
        return redirect(rq, `${base}?ok=trustUpdated#trust-relationships`);
      case 'detach':
        await call(rq, 'DetachRolePolicy', { ...byRole, PolicyArn: f.get('arn') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'boundary':
        await call(rq, 'PutRolePermissionsBoundary', { ...byRole, PermissionsBoundary: (f.get('arn') ?? '').trim() });
        return redirect(rq, `${base}?ok=saved`);
      case 'boundary/delete':
        await call(rq, 'DeleteRolePermissionsBoundary', byRole);
        return redirect(rq, `${base}?ok=saved`);
      case 'revoke-sessions':
        await call(rq, 'PutRolePolicy', { ...byRole, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: revokeOlderSessionsPolicy(rq.facts.now) });
        return redirect(rq, `${base}?ok=sessionsRevoked#revoke-sessions`);
      case 'instance-profile':
        await call(rq, 'CreateInstanceProfile', { InstanceProfileName: name });
        await call(rq, 'AddRoleToInstanceProfile', { InstanceProfileName: name, RoleName: name });
        return redirect(rq, `${base}?ok=saved#instance-profiles`);
      case 'workloads/revoke':
        await call(rq, 'RevokeWorkload', { WorkloadId: f.get('id') ?? '' }, 'iamd');
        return redirect(rq, `${base}?ok=workloadRevoked#instance-profiles`);
      case 'tag':
        await call(rq, 'TagRole', { ...byRole, Tags: [{ Key: f.get('key') ?? '', Value: f.get('value') ?? '' }] });
        return redirect(rq, `${base}?ok=saved`);
      case 'untag':
        await call(rq, 'UntagRole', { ...byRole, TagKeys: [f.get('key') ?? ''] });
        return redirect(rq, `${base}?ok=saved`);
      case 'delete':
        await call(rq, 'DeleteRole', byRole);
        return redirect(rq, `${APP}/roles?ok=roleDeleted`);
    }
  } catch (error) {
    // DeleteConflict: AWS's words, then what is left to do.
    if (params.op === 'delete' && error instanceof AwsError && error.code === 'DeleteConflict') {
      setFlashError(rq, base, `${errorText(rq, error)} ${rq.t('roles.deleteConflictHelp')}`);
      return redirect(rq, base);
    }
    return redirectWithError(rq, base, error);
  }
  send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
}
