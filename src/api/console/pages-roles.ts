// Roles: list (search, paging), create (trusted entity → generated trust policy, editable;
// policies; name, description, maximum session duration), and a role's page: summary, permissions
// (attached, inline, boundary), trust relationships, tags, "Revoke active sessions", instance
// profiles with their workloads (iamd exec), delete.
import { AwsError } from '../../errors/aws-error.ts';
import { listWorkloads, revokeWorkload, type WorkloadView } from '../../workloads/workloads.ts';
import { APP, arnOf, badJson, call, can, csrfField, errorText, flash, fmtDate, jsonObject, me, notice, postButton, redirect, redirectWithError, send, setFlashError, withQuery, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { actionContext } from './invoke.ts';
import { layout } from './layout.ts';
import type { MessageKey } from './messages.ts';
import { attachablePolicies, policyPicker } from './pages-groups.ts';
import { policyEditor } from './pages-settings.ts';
import { back, listAll } from './pages-users.ts';
import { isTrustedEntity, TRUST_SERVICES, trustedEntities, trustPolicyFor, type TrustChoice, type TrustedEntityView } from './trust.ts';

/** AWS's inline policy that denies every session of the role issued before it was written. */
export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';
export function revokeOlderSessionsPolicy(now: Date): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': now.toISOString() } } }] });
}

const rolePath = (name: string) => `${APP}/roles/${encodeURIComponent(name)}`;
const PAGE_SIZE = 50;

function entityText(rq: Rq, e: TrustedEntityView): string {
  const key: Record<TrustedEntityView['kind'], MessageKey> = { service: 'roles.entity.service', account: 'roles.entity.account', principal: 'roles.entity.principal', any: 'roles.entity.any' };
  return rq.t(key[e.kind], { value: e.value });
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

export async function rolesList(rq: Rq): Promise<void> {
  const t = rq.t;
  const q = (rq.url.searchParams.get('q') ?? '').trim().toLowerCase();
  const marker = rq.url.searchParams.get('marker') ?? undefined;
  const allowedCreate = await can(rq, 'iam:CreateRole', arnOf(rq, 'role', '*'));
  let body: SafeHtml;
  try {
    let roles: any[];
    let next: string | undefined;
    if (q) {
      roles = (await listAll(rq, 'ListRoles', 'Roles')).filter((r) => String(r.RoleName).toLowerCase().includes(q) || String(r.Description ?? '').toLowerCase().includes(q));
    } else {
      const page = await call(rq, 'ListRoles', { Marker: marker, MaxItems: PAGE_SIZE });
      roles = page.Roles ?? [];
      next = page.IsTruncated ? page.Marker : undefined;
    }
    body = html`<table class="list" id="roles-table"><thead><tr><th>${t('roles.name')}</th><th>${t('roles.trustedEntities')}</th><th>${t('policies.description')}</th><th>${t('users.created')}</th></tr></thead>
<tbody>${roles.map((r) => html`<tr data-role="${r.RoleName}"><td><a href="${rolePath(r.RoleName)}">${r.RoleName}</a></td><td>${trustedEntities(decodeDoc(r.AssumeRolePolicyDocument)).map((e) => html`<div>${entityText(rq, e)}</div>`)}</td><td>${r.Description ?? ''}</td><td>${fmtDate(rq, r.CreateDate)}</td></tr>`)}</tbody></table>
${roles.length === 0 ? html`<p class="empty">${t('roles.none')}</p>` : ''}
${next ? html`<a class="button" id="roles-next" href="${withQuery(`${APP}/roles`, { marker: next })}">${t('common.next')}</a>` : ''}`;
  } catch (error) {
    body = notice('error', errorText(rq, error));
  }
  send(rq, 200, layout(rq, t('nav.roles'), html`${flash(rq)}
<div class="toolbar"><a class="button primary${allowedCreate.allowed ? '' : ' disabled'}" id="create-role" href="${APP}/roles/new"${allowedCreate.allowed ? '' : html` aria-disabled="true" title="${allowedCreate.reason ?? ''}"`}>${t('roles.create')}</a>
<form method="get" action="${APP}/roles" class="search"><input type="search" name="q" id="roles-search" value="${q}" placeholder="${t('common.search')}" aria-label="${t('common.search')}"><button type="submit">${t('common.search')}</button></form></div>
${allowedCreate.allowed ? '' : html`<p class="reason">${allowedCreate.reason ?? ''}</p>`}
${body}`, '/roles'));
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
  send(rq, 200, JSON.stringify({ document: trustPolicyFor(trustChoiceOf((k) => body[k]), p.caller.partition, p.accountId) }), 'application/json');
}

export async function newRolePage(rq: Rq, error?: string): Promise<void> {
  const t = rq.t;
  const f = rq.form;
  const p = me(rq);
  const choice = trustChoiceOf((k) => (k === 'userArn' ? f.getAll(k) : f.get(k) ?? undefined));
  const users = await listAll(rq, 'ListUsers', 'Users').catch(() => [] as any[]);
  const trust = f.get('trust') || trustPolicyFor(choice, p.caller.partition, p.accountId);
  const hours = Number(f.get('maxSessionHours') ?? '1');
  const picked = new Set(f.getAll('policy'));
  const body = html`${error ? notice('error', error) : ''}
<form method="post" action="${APP}/roles/new" id="new-role-form" data-trust-form>${csrfField(rq)}
<section class="card"><h2>${t('roles.step.trust')}</h2>
<fieldset id="trusted-entity"><legend>${t('roles.trustedEntityType')}</legend>
<label class="check"><input type="radio" name="entity" value="service" id="entity-service"${choice.entity === 'service' ? ' checked' : ''}> ${t('roles.type.service')}</label><p class="hint">${t('roles.type.serviceHint')}</p>
<label class="check"><input type="radio" name="entity" value="account" id="entity-account"${choice.entity === 'account' ? ' checked' : ''}> ${t('roles.type.account')}</label><p class="hint">${t('roles.type.accountHint')}</p>
<label class="check"><input type="radio" name="entity" value="users" id="entity-users"${choice.entity === 'users' ? ' checked' : ''}> ${t('roles.type.users')}</label><p class="hint">${t('roles.type.usersHint')}</p>
<div data-entity="service"><label>${t('roles.service')}<select name="service" id="trust-service">${TRUST_SERVICES.map((s) => html`<option value="${s.principal}"${choice.service === s.principal ? ' selected' : ''}>${s.label} (${s.principal})</option>`)}</select></label>
<p class="hint">${t('roles.ec2Hint')}</p></div>
<div data-entity="account"><label>${t('dash.accountId')}<input name="accountId" id="trust-account" value="${choice.accountId || p.accountId}" pattern="[0-9]{12}" maxlength="12" inputmode="numeric"></label>
<label>${t('roles.externalId')}<input name="externalId" id="trust-external-id" value="${choice.externalId ?? ''}" maxlength="1224"></label><p class="hint">${t('roles.externalIdHint')}</p></div>
<div data-entity="users"><p>${t('roles.pickUsers')}</p><ul class="plain" id="trust-users">${users.map((u) => html`<li><label class="check"><input type="checkbox" name="userArn" value="${u.Arn}"${choice.userArns?.includes(u.Arn) ? ' checked' : ''}> ${u.UserName}</label></li>`)}</ul>${users.length === 0 ? html`<p class="empty">${t('users.none')}</p>` : ''}</div>
<div data-entity="account users"><label class="check"><input type="checkbox" name="requireMfa" value="1" id="trust-mfa"${choice.requireMfa ? ' checked' : ''}> ${t('roles.requireMfa')}</label></div>
</fieldset>
<h3>${t('roles.trustPolicy')}</h3><p class="hint">${t('roles.trustPolicyHint')}</p>
${policyEditor(rq, 'trust', trust, 'trust')}
<button type="button" id="regenerate-trust" hidden>${t('roles.regenerate')}</button>
</section>
<section class="card"><h2>${t('roles.step.permissions')}</h2>
${policyPicker(rq, await attachablePolicies(rq), picked)}
</section>
<section class="card"><h2>${t('roles.step.name')}</h2>
<label>${t('roles.name')}<input name="name" id="role-name" value="${f.get('name') ?? ''}" maxlength="64" pattern="[A-Za-z0-9+=,.@_-]+" data-validate-name="64" required><span class="field-error" aria-live="polite"></span></label>
<p class="hint">${t('users.nameRules')}</p>
<label>${t('policies.description')}<input name="description" id="role-description" value="${f.get('description') ?? ''}" maxlength="1000"></label>
${maxSessionSelect(rq, Number.isInteger(hours) ? hours : 1)}
</section>
<div class="actions"><a class="button" href="${APP}/roles">${t('common.cancel')}</a><button type="submit" class="primary" id="create-role-submit">${t('roles.create')}</button></div></form>`;
  send(rq, error ? 400 : 200, layout(rq, t('roles.createTitle'), body, '/roles'));
}

function maxSessionSelect(rq: Rq, hours: number): SafeHtml {
  return html`<label>${rq.t('roles.maxSession')}<select name="maxSessionHours" id="max-session">${Array.from({ length: 12 }, (_, i) => i + 1).map((h) => html`<option value="${String(h)}"${h === hours ? ' selected' : ''}>${rq.t('roles.hours', { n: h })}</option>`)}</select></label><p class="hint">${rq.t('roles.maxSessionHint')}</p>`;
}

function hoursOf(rq: Rq): number {
  const h = Number(rq.form.get('maxSessionHours') ?? '1');
  return Number.isInteger(h) && h >= 1 && h <= 12 ? h : 1;
}

export async function postNewRole(rq: Rq): Promise<void> {
  const f = rq.form;
  const p = me(rq);
  const name = (f.get('name') ?? '').trim();
  const choice = trustChoiceOf((k) => (k === 'userArn' ? f.getAll(k) : f.get(k) ?? undefined));
  const trust = (f.get('trust') ?? '').trim() || trustPolicyFor(choice, p.caller.partition, p.accountId);
  try {
    await call(rq, 'CreateRole', { RoleName: name, AssumeRolePolicyDocument: trust, Description: f.get('description') || undefined, MaxSessionDuration: hoursOf(rq) * 3600 });
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

function ctxOf(rq: Rq) {
  return actionContext(rq.deps.services, me(rq).caller, rq.facts);
}

async function safe<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error: error instanceof AwsError ? `${error.code}: ${error.message}` : 'error' };
  }
}

function workloadStatus(rq: Rq, w: WorkloadView): string {
  return w.Status === 'Active' ? rq.t('common.active') : w.Status === 'Revoked' ? rq.t('workloads.revoked') : rq.t('workloads.expired');
}

export async function rolePage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name;
  const base = rolePath(name);
  let role: any;
  try {
    role = (await call(rq, 'GetRole', { RoleName: name })).Role;
  } catch (error) {
    return send(rq, error instanceof AwsError && error.code === 'NoSuchEntity' ? 404 : 403, layout(rq, name, html`${flash(rq)}${notice('error', errorText(rq, error))}`, '/roles'));
  }
  const arn = role.Arn as string;
  const trust = pretty(decodeDoc(role.AssumeRolePolicyDocument));
  const [attached, inline, profiles] = await Promise.all([
    safe(() => listAll(rq, 'ListAttachedRolePolicies', 'AttachedPolicies', { RoleName: name })),
    safe(() => listAll(rq, 'ListRolePolicies', 'PolicyNames', { RoleName: name })),
    safe(() => listAll(rq, 'ListInstanceProfilesForRole', 'InstanceProfiles', { RoleName: name })),
  ]);
  const workloads = await Promise.all(((profiles.value as any[]) ?? []).map((ip) => safe(() => listWorkloads(ctxOf(rq), ip.InstanceProfileName))));
  const revokePolicy = ((inline.value as string[]) ?? []).includes(REVOKE_POLICY_NAME)
    ? await call(rq, 'GetRolePolicy', { RoleName: name, PolicyName: REVOKE_POLICY_NAME }).then((r) => /"aws:TokenIssueTime"\s*:\s*"([^"]+)"/.exec(decodeDoc(r.PolicyDocument))?.[1], () => undefined)
    : undefined;
  const [canDelete, canUpdate, canTrust, canPut, canTag, canBoundary, canProfile, canRevokeWorkload] = await Promise.all([
    can(rq, 'iam:DeleteRole', arn),
    can(rq, 'iam:UpdateRole', arn),
    can(rq, 'iam:UpdateAssumeRolePolicy', arn),
    can(rq, 'iam:PutRolePolicy', arn),
    can(rq, 'iam:TagRole', arn),
    can(rq, 'iam:PutRolePermissionsBoundary', arn),
    can(rq, 'iam:CreateInstanceProfile', `arn:${me(rq).caller.partition}:iam::${me(rq).accountId}:instance-profile/${name}`),
    can(rq, 'iam:RemoveRoleFromInstanceProfile', `arn:${me(rq).caller.partition}:iam::${me(rq).accountId}:instance-profile/*`),
  ]);
  const tags = (role.Tags as { Key: string; Value: string }[] | undefined) ?? [];
  const entities = trustedEntities(trust);
  const hours = Math.round((role.MaxSessionDuration ?? 3600) / 3600);
  const body = html`${flash(rq)}
<section class="card" id="role-summary"><h2>${t('users.summary')}</h2><dl class="facts">
<dt>${t('common.arn')}</dt><dd><code id="role-arn">${arn}</code></dd>
<dt>${t('policies.description')}</dt><dd id="role-description">${role.Description ?? '—'}</dd>
<dt>${t('common.path')}</dt><dd>${role.Path}</dd>
<dt>${t('users.created')}</dt><dd>${fmtDate(rq, role.CreateDate)}</dd>
<dt>${t('roles.lastActivity')}</dt><dd id="role-last-used">${role.RoleLastUsed?.LastUsedDate ? html`${fmtDate(rq, role.RoleLastUsed.LastUsedDate)} (${role.RoleLastUsed.Region ?? ''})` : t('common.never')}</dd>
<dt>${t('roles.trustedEntities')}</dt><dd id="role-trusted">${entities.map((e) => html`<div>${entityText(rq, e)}</div>`)}</dd>
<dt>${t('roles.maxSession')}</dt><dd id="role-max-session">${t('roles.hours', { n: role.MaxSessionDuration % 3600 === 0 ? role.MaxSessionDuration / 3600 : (role.MaxSessionDuration / 3600).toFixed(2) })}</dd>
<dt>${t('roles.instanceProfiles')}</dt><dd>${((profiles.value as any[]) ?? []).map((ip) => html`<div><code>${ip.Arn}</code></div>`)}</dd>
</dl>
<details id="edit-role"><summary>${t('roles.edit')}</summary>
<form method="post" action="${base}/update">${csrfField(rq)}
<label>${t('policies.description')}<input name="description" value="${role.Description ?? ''}" maxlength="1000"></label>
${maxSessionSelect(rq, hours)}
<button type="submit" id="save-role"${canUpdate.allowed ? '' : html` disabled title="${canUpdate.reason ?? ''}"`}>${t('common.save')}</button>${canUpdate.allowed ? '' : html`<span class="reason">${canUpdate.reason ?? ''}</span>`}</form></details>
${postButton(rq, `${base}/delete`, t('roles.delete'), { allowed: canDelete, danger: true, confirm: t('roles.deleteConfirm', { name }), id: 'delete-role' })}
</section>

<section class="card" id="role-permissions"><h2>${t('users.permissions')}</h2>
<h3>${t('users.attachedPolicies')}</h3>
${attached.error ? html`<p class="reason">${attached.error}</p>` : html`<ul class="plain" id="role-attached">${(attached.value as any[]).map((pol) => html`<li><a href="${APP}/policies/view?arn=${encodeURIComponent(pol.PolicyArn)}">${pol.PolicyName}</a> ${postButton(rq, `${base}/detach`, t('common.detach'), { fields: { arn: pol.PolicyArn } })}</li>`)}</ul>`}
<a class="button" id="role-attach" href="${APP}/attach?kind=role&name=${encodeURIComponent(name)}">${t('common.attachPolicies')}</a>
<h3>${t('users.inlinePolicies')}</h3>
${inline.error ? html`<p class="reason">${inline.error}</p>` : html`<ul class="plain" id="role-inline">${(inline.value as string[]).map((n) => html`<li><a href="${APP}/inline?kind=role&name=${encodeURIComponent(name)}&policy=${encodeURIComponent(n)}">${n}</a></li>`)}</ul>`}
<a class="button" href="${APP}/inline?kind=role&name=${encodeURIComponent(name)}">${t('common.addInline')}</a>
<h3>${t('users.boundary')}</h3>
<p id="role-boundary">${role.PermissionsBoundary?.PermissionsBoundaryArn ? html`<a href="${APP}/policies/view?arn=${encodeURIComponent(role.PermissionsBoundary.PermissionsBoundaryArn)}">${role.PermissionsBoundary.PermissionsBoundaryArn}</a> ${postButton(rq, `${base}/boundary/delete`, t('common.remove'), { danger: true })}` : t('users.noBoundary')}</p>
<form method="post" action="${base}/boundary" class="inline">${csrfField(rq)}<input name="arn" list="boundary-options" placeholder="arn:aws:iam::aws:policy/…" aria-label="${t('users.boundary')}" size="50" required><datalist id="boundary-options">${(await boundaryOptions(rq)).map((pol) => html`<option value="${pol.arn}">${pol.name}</option>`)}</datalist><button type="submit"${canBoundary.allowed ? '' : html` disabled title="${canBoundary.reason ?? ''}"`}>${t('roles.setBoundary')}</button></form>
</section>

<section class="card" id="trust-relationships"><h2>${t('roles.trustRelationships')}</h2>
<p class="hint">${t('roles.trustPolicyHint')}</p>
<form method="post" action="${base}/trust">${csrfField(rq)}${policyEditor(rq, 'document', trust, 'trust')}
<button type="submit" class="primary" id="save-trust"${canTrust.allowed ? '' : html` disabled title="${canTrust.reason ?? ''}"`}>${t('roles.updateTrust')}</button>${canTrust.allowed ? '' : html`<span class="reason">${canTrust.reason ?? ''}</span>`}</form>
</section>

<section class="card" id="revoke-sessions"><h2>${t('roles.revokeTitle')}</h2>
<p>${t('roles.revokeHelp')}</p>
${revokePolicy ? html`<p class="warning" id="revoked-before">${t('roles.revokedBefore', { time: fmtDate(rq, revokePolicy) })}</p>` : ''}
${postButton(rq, `${base}/revoke-sessions`, t('roles.revokeButton'), { allowed: canPut, danger: true, confirm: t('roles.revokeConfirm', { name }), id: 'revoke-sessions-submit' })}
</section>

<section class="card" id="instance-profiles"><h2>${t('roles.instanceProfiles')}</h2>
<p class="hint">${t('workloads.help')}</p>
${profiles.error ? html`<p class="reason">${profiles.error}</p>` : ''}
${((profiles.value as any[]) ?? []).map((ip, i) => html`<div class="profile" data-profile="${ip.InstanceProfileName}"><h3>${ip.InstanceProfileName}</h3>
<p>${t('workloads.start')}</p><div class="copy-row"><code class="exec">iamd exec --instance-profile ${ip.InstanceProfileName} -- your-command</code><button type="button" class="copy" data-copy="iamd exec --instance-profile ${ip.InstanceProfileName} -- your-command">${t('common.copy')}</button></div>
${workloads[i].error ? html`<p class="reason">${workloads[i].error}</p>` : workloadTable(rq, base, workloads[i].value ?? [], canRevokeWorkload)}</div>`)}
${(profiles.value as any[] | undefined)?.length === 0 ? html`<p class="empty">${t('roles.noProfiles')}</p>${postButton(rq, `${base}/instance-profile`, t('roles.createProfile'), { allowed: canProfile, id: 'create-profile' })}` : ''}
</section>

<section class="card" id="tags"><h2>${t('common.tags')}</h2>
<table class="list"><tbody>${tags.map((tag) => html`<tr><td>${tag.Key}</td><td>${tag.Value}</td><td>${postButton(rq, `${base}/untag`, t('common.remove'), { fields: { key: tag.Key }, allowed: canTag })}</td></tr>`)}</tbody></table>
<form method="post" action="${base}/tag" class="inline">${csrfField(rq)}<input name="key" placeholder="${t('common.key')}" aria-label="${t('common.key')}" required><input name="value" placeholder="${t('common.value')}" aria-label="${t('common.value')}"><button type="submit"${canTag.allowed ? '' : html` disabled title="${canTag.reason ?? ''}"`}>${t('common.addTag')}</button></form>
</section>`;
  send(rq, 200, layout(rq, t('roles.roleTitle', { name }), body, '/roles'));
}

/** Boundary suggestions: the account's policies and AWS's broad ones (the field takes any policy ARN). */
async function boundaryOptions(rq: Rq): Promise<{ arn: string; name: string }[]> {
  const local = await listAll(rq, 'ListPolicies', 'Policies', { Scope: 'Local' }).catch(() => [] as any[]);
  const partition = me(rq).caller.partition;
  return [...local.map((p) => ({ arn: p.Arn as string, name: p.PolicyName as string })), ...['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess'].map((n) => ({ arn: `arn:${partition}:iam::aws:policy/${n}`, name: n }))];
}

function workloadTable(rq: Rq, base: string, list: WorkloadView[], allowed: { allowed: boolean; reason?: string }): SafeHtml {
  const t = rq.t;
  if (list.length === 0) return html`<p class="empty">${t('workloads.none')}</p>`;
  return html`<table class="list workloads"><thead><tr><th>${t('workloads.name')}</th><th>${t('common.status')}</th><th>${t('users.created')}</th><th>${t('workloads.lastIssued')}</th><th>${t('workloads.expires')}</th><th></th></tr></thead><tbody>
${list.map((w) => html`<tr data-workload="${w.WorkloadId}" data-status="${w.Status}"><td>${w.Name}<div class="hint"><code>${w.WorkloadId}</code></div></td><td class="status">${workloadStatus(rq, w)}${w.RevokeDate ? html` (${fmtDate(rq, w.RevokeDate)})` : ''}</td><td>${fmtDate(rq, w.CreateDate)}</td><td>${w.LastCredentialsIssued ? fmtDate(rq, w.LastCredentialsIssued) : t('common.never')}</td><td>${w.Expiration ? fmtDate(rq, w.Expiration) : '—'}</td>
<td>${w.Status === 'Active' ? postButton(rq, `${base}/workloads/revoke`, t('workloads.revoke'), { allowed, danger: true, fields: { id: w.WorkloadId }, confirm: t('workloads.revokeConfirm', { name: w.Name }) }) : ''}</td></tr>`)}</tbody></table>`;
}

/** POST /roles/:name/<op>: the role page's forms and buttons. */
export async function postRoleOp(rq: Rq, params: Record<string, string>): Promise<void> {
  const name = params.name;
  const base = rolePath(name);
  const f = rq.form;
  try {
    switch (params.op) {
      case 'update':
        await call(rq, 'UpdateRole', { RoleName: name, Description: f.get('description') ?? '', MaxSessionDuration: hoursOf(rq) * 3600 });
        return redirect(rq, `${base}?ok=saved`);
      case 'trust':
        await call(rq, 'UpdateAssumeRolePolicy', { RoleName: name, PolicyDocument: f.get('document') ?? '' });
        return redirect(rq, `${base}?ok=trustUpdated#trust-relationships`);
      case 'detach':
        await call(rq, 'DetachRolePolicy', { RoleName: name, PolicyArn: f.get('arn') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'boundary':
        await call(rq, 'PutRolePermissionsBoundary', { RoleName: name, PermissionsBoundary: (f.get('arn') ?? '').trim() });
        return redirect(rq, `${base}?ok=saved`);
      case 'boundary/delete':
        await call(rq, 'DeleteRolePermissionsBoundary', { RoleName: name });
        return redirect(rq, `${base}?ok=saved`);
      case 'revoke-sessions':
        await call(rq, 'PutRolePolicy', { RoleName: name, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: revokeOlderSessionsPolicy(rq.facts.now) });
        return redirect(rq, `${base}?ok=sessionsRevoked#revoke-sessions`);
      case 'instance-profile':
        await call(rq, 'CreateInstanceProfile', { InstanceProfileName: name });
        await call(rq, 'AddRoleToInstanceProfile', { InstanceProfileName: name, RoleName: name });
        return redirect(rq, `${base}?ok=saved#instance-profiles`);
      case 'workloads/revoke':
        await revokeWorkload(ctxOf(rq), f.get('id') ?? '');
        return redirect(rq, `${base}?ok=workloadRevoked#instance-profiles`);
      case 'tag':
        await call(rq, 'TagRole', { RoleName: name, Tags: [{ Key: f.get('key') ?? '', Value: f.get('value') ?? '' }] });
        return redirect(rq, `${base}?ok=saved`);
      case 'untag':
        await call(rq, 'UntagRole', { RoleName: name, TagKeys: [f.get('key') ?? ''] });
        return redirect(rq, `${base}?ok=saved`);
      case 'delete':
        await call(rq, 'DeleteRole', { RoleName: name });
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
