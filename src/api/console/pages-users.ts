// Users: list, create (up to 5 at once, console and/or programmatic access), the one-time
// credentials page with its CSV, and a user's page (groups, policies, credentials, MFA, tags).
import { generatePassword } from '../../crypto/passwords.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { APP, arnOf, call, can, csrfField, errorText, flash, fmtDate, notice, postButton, redirect, redirectWithError, send, withQuery, type Rq } from './core.ts';
import type { Console } from './console.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { csvField } from './one-time.ts';
import { signInUrl } from './pages-dashboard.ts';
import { passwordRules } from './password-rules.ts';
import type { PasswordPolicy } from '../../iam/password-policy.ts';

export const MAX_NEW_USERS = 5;
const CHANGE_PASSWORD_POLICY = 'arn:aws:iam::aws:policy/IAMUserChangePassword';

export async function listAll(rq: Rq, action: string, key: string, input: Record<string, unknown> = {}): Promise<any[]> {
  const out: any[] = [];
  let marker: string | undefined;
  do {
    const page = await call(rq, action, { ...input, Marker: marker, MaxItems: 1000 });
    out.push(...((page[key] as any[]) ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

export const back = (rq: Rq, path: string, error: unknown) => redirectWithError(rq, path, error);
const userPath = (name: string) => `${APP}/users/${encodeURIComponent(name)}`;

export async function usersList(rq: Rq): Promise<void> {
  const t = rq.t;
  const q = (rq.url.searchParams.get('q') ?? '').trim().toLowerCase();
  const marker = rq.url.searchParams.get('marker') ?? undefined;
  const allowedCreate = await can(rq, 'iam:CreateUser', arnOf(rq, 'user', '*'));
  let body: SafeHtml;
  try {
    let users: any[];
    let next: string | undefined;
    if (q) {
      users = (await listAll(rq, 'ListUsers', 'Users')).filter((u) => String(u.UserName).toLowerCase().includes(q));
    } else {
      const page = await call(rq, 'ListUsers', { Marker: marker, MaxItems: 50 });
      users = page.Users ?? [];
      next = page.IsTruncated ? page.Marker : undefined;
    }
    body = html`<table class="list" id="users-table"><thead><tr><th>${t('users.name')}</th><th>${t('users.created')}</th><th>${t('users.passwordLastUsed')}</th></tr></thead>
<tbody>${users.map((u) => html`<tr><td><a href="${userPath(u.UserName)}">${u.UserName}</a></td><td>${fmtDate(rq, u.CreateDate)}</td><td>${u.PasswordLastUsed ? fmtDate(rq, u.PasswordLastUsed) : t('common.never')}</td></tr>`)}</tbody></table>
${users.length === 0 ? html`<p class="empty">${t('users.none')}</p>` : ''}
${next ? html`<a class="button" href="${withQuery(`${APP}/users`, { marker: next })}">${t('common.next')}</a>` : ''}`;
  } catch (error) {
    body = notice('error', errorText(rq, error));
  }
  send(rq, 200, layout(rq, t('nav.users'), html`${flash(rq)}
<div class="toolbar"><a class="button primary${allowedCreate.allowed ? '' : ' disabled'}" id="add-user" href="${APP}/users/new"${allowedCreate.allowed ? '' : html` aria-disabled="true" title="${allowedCreate.reason ?? ''}"`}>${t('users.add')}</a>
<form method="get" action="${APP}/users" class="search"><input type="search" name="q" value="${q}" placeholder="${t('common.search')}" aria-label="${t('common.search')}"><button type="submit">${t('common.search')}</button></form></div>
${allowedCreate.allowed ? '' : html`<p class="reason">${allowedCreate.reason ?? ''}</p>`}
${body}`, '/users'));
}

export async function newUserPage(rq: Rq, error?: string): Promise<void> {
  const t = rq.t;
  const f = rq.form;
  const groups = await listAll(rq, 'ListGroups', 'Groups').catch(() => [] as any[]);
  const policy = (await call(rq, 'GetAccountPasswordPolicy').catch(() => ({}) as Record<string, any>)).PasswordPolicy as PasswordPolicy | undefined;
  const names = Array.from({ length: MAX_NEW_USERS }, (_, i) => f.get(`name${i + 1}`) ?? '');
  const passwordMode = f.get('passwordMode') ?? 'auto';
  const body = html`${error ? notice('error', error) : ''}
<form method="post" action="${APP}/users/new" id="new-user-form">${csrfField(rq)}
<section class="card"><h2>${t('users.step.details')}</h2>
<p class="hint">${t('users.upToFive')}</p>
${names.map((n, i) => html`<label class="${i > 0 && !n ? 'extra' : ''}">${t('users.name')} ${i + 1}<input name="name${i + 1}" id="user-name-${i + 1}" value="${n}" maxlength="64" pattern="[A-Za-z0-9+=,.@_-]+" data-validate-name="64"${i === 0 ? ' required' : ''}><span class="field-error" aria-live="polite"></span></label>`)}
<p class="hint">${t('users.nameRules')}</p>
</section>
<section class="card"><h2>${t('users.accessType')}</h2>
<label class="check"><input type="checkbox" name="programmatic" id="programmatic" value="1"${f.get('programmatic') ? ' checked' : ''}> ${t('users.programmatic')}</label><p class="hint">${t('users.programmaticHint')}</p>
<label class="check"><input type="checkbox" name="console" id="console-access" value="1"${f.get('console') ? ' checked' : ''}> ${t('users.consoleAccess')}</label><p class="hint">${t('users.consoleHint')}</p>
<fieldset id="password-options"><legend>${t('users.consolePassword')}</legend>
<label class="check"><input type="radio" name="passwordMode" value="auto" id="password-auto"${passwordMode === 'auto' ? ' checked' : ''}> ${t('users.autoPassword')}</label>
<label class="check"><input type="radio" name="passwordMode" value="custom" id="password-custom"${passwordMode === 'custom' ? ' checked' : ''}> ${t('users.customPassword')}</label>
<label>${t('users.customPassword')}<input type="password" name="customPassword" id="custom-password" autocomplete="new-password"></label>
<ul class="rules">${passwordRules(rq, policy).map((r) => html`<li>${r}</li>`)}</ul>
<label class="check"><input type="checkbox" name="resetRequired" id="reset-required" value="1"${f.get('resetRequired') || rq.method === 'GET' ? ' checked' : ''}> ${t('users.requireReset')}</label>
<p class="hint">${t('users.requireResetHint')}</p>
</fieldset></section>
<section class="card"><h2>${t('users.step.groups')}</h2>
${groups.length === 0 ? html`<p class="empty">${t('groups.none')}</p>` : html`<ul class="plain">${groups.map((g) => html`<li><label class="check"><input type="checkbox" name="group" value="${g.GroupName}"> ${g.GroupName}</label></li>`)}</ul>`}
</section>
<div class="actions"><a class="button" href="${APP}/users">${t('common.cancel')}</a><button type="submit" class="primary" id="create-users">${t('users.create')}</button></div>
</form>`;
  send(rq, error ? 400 : 200, layout(rq, t('users.addTitle'), body, '/users'));
}

interface Issued {
  userName: string;
  password?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  error?: string;
}

export function credentialsCsv(rq: Rq, rows: Issued[]): string {
  const link = signInUrl(rq, rq.principal!.alias ?? rq.principal!.accountId);
  const lines = [['User name', 'Password', 'Access key ID', 'Secret access key', 'Console login link'].join(',')];
  for (const r of rows) lines.push([r.userName, r.password ?? '', r.accessKeyId ?? '', r.secretAccessKey ?? '', r.password ? link : ''].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** The page that shows new passwords and secret keys: once, never again. */
export function credentialsPage(rq: Rq, app: Console, title: string, rows: Issued[], closeTo: string): void {
  const t = rq.t;
  const ok = rows.filter((r) => !r.error && (r.password || r.secretAccessKey));
  const token = ok.length > 0 ? rq.deps.oneTime.put(rq.session!.id_hash, 'credentials.csv', credentialsCsv(rq, ok), rq.facts.now.getTime()) : undefined;
  void app;
  const link = signInUrl(rq, rq.principal!.alias ?? rq.principal!.accountId);
  const body = html`
${rows.some((r) => r.error) ? notice('error', html`<ul>${rows.filter((r) => r.error).map((r) => html`<li>${r.userName}: ${r.error}</li>`)}</ul>`) : ''}
${ok.length > 0 ? notice('ok', t('creds.success')) : ''}
${ok.length > 0 ? html`<p class="warning" id="once-warning">${t('creds.once')}</p>
<p>${t('creds.signinLink')} <code>${link}</code></p>
<table class="list" id="credentials-table"><thead><tr><th>${t('users.name')}</th><th>${t('creds.password')}</th><th>${t('creds.accessKeyId')}</th><th>${t('creds.secret')}</th></tr></thead><tbody>
${ok.map((r) => html`<tr data-user="${r.userName}"><td>${r.userName}</td>
<td>${r.password ? html`<span class="secret" hidden data-secret>${r.password}</span><button type="button" class="link" data-reveal>${t('common.show')}</button>` : '—'}</td>
<td><code class="key-id">${r.accessKeyId ?? '—'}</code></td>
<td>${r.secretAccessKey ? html`<span class="secret" hidden data-secret>${r.secretAccessKey}</span><button type="button" class="link" data-reveal>${t('common.show')}</button>` : '—'}</td></tr>`)}
</tbody></table>` : ''}
<div class="actions">${token ? html`<a class="button primary" id="download-csv" href="${APP}/download/${token}" download="credentials.csv">${t('creds.download')}</a>` : ''}<a class="button" id="close" href="${closeTo}">${t('common.close')}</a></div>`;
  send(rq, 200, layout(rq, title, body, '/users'));
}

export async function download(rq: Rq, params: Record<string, string>): Promise<void> {
  const entry = rq.deps.oneTime.take(params.token, rq.session!.id_hash, rq.facts.now.getTime());
  if (!entry) return send(rq, 410, rq.t('creds.gone'), 'text/plain; charset=utf-8');
  rq.res.setHeader('content-disposition', `attachment; filename="${entry.filename}"`);
  send(rq, 200, entry.csv, 'text/csv; charset=utf-8');
}

export async function postNewUsers(rq: Rq, app: Console): Promise<void> {
  const t = rq.t;
  const f = rq.form;
  const names = Array.from({ length: MAX_NEW_USERS }, (_, i) => (f.get(`name${i + 1}`) ?? '').trim()).filter((n) => n);
  if (names.length === 0) return newUserPage(rq, t('users.nameRequired'));
  if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) return newUserPage(rq, t('users.duplicate'));
  const programmatic = f.get('programmatic') === '1';
  const consoleAccess = f.get('console') === '1';
  if (!programmatic && !consoleAccess) return newUserPage(rq, t('users.chooseAccess'));
  const custom = f.get('passwordMode') === 'custom';
  const customPassword = f.get('customPassword') ?? '';
  if (consoleAccess && custom && !customPassword) return newUserPage(rq, t('users.customRequired'));
  const resetRequired = f.get('resetRequired') === '1';
  const groups = f.getAll('group');
  const policy = consoleAccess && !custom ? ((await call(rq, 'GetAccountPasswordPolicy').catch(() => ({}) as Record<string, any>)).PasswordPolicy as PasswordPolicy | undefined) : undefined;
  const rows: Issued[] = [];
  for (const name of names) {
    const row: Issued = { userName: name };
    rows.push(row);
    try {
      await call(rq, 'CreateUser', { UserName: name });
      if (consoleAccess) {
        const password = custom ? customPassword : generatePassword(policy?.MinimumPasswordLength ?? 6);
        await call(rq, 'CreateLoginProfile', { UserName: name, Password: password, PasswordResetRequired: resetRequired });
        row.password = password;
        // As AWS's console does: a user who must choose a new password may do so.
        if (resetRequired && rq.deps.invoker.has('AttachUserPolicy')) await call(rq, 'AttachUserPolicy', { UserName: name, PolicyArn: CHANGE_PASSWORD_POLICY }).catch(() => undefined);
      }
      if (programmatic) {
        const key = (await call(rq, 'CreateAccessKey', { UserName: name })).AccessKey;
        row.accessKeyId = key.AccessKeyId;
        row.secretAccessKey = key.SecretAccessKey;
      }
      for (const g of groups) await call(rq, 'AddUserToGroup', { UserName: name, GroupName: g });
    } catch (error) {
      row.error = errorText(rq, error);
    }
  }
  credentialsPage(rq, app, t('users.addTitle'), rows, `${APP}/users`);
}

async function safe<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: string; missing?: boolean }> {
  try {
    return { value: await fn() };
  } catch (error) {
    if (error instanceof AwsError && error.code === 'NoSuchEntity') return { missing: true };
    return { error: error instanceof AwsError ? `${error.code}: ${error.message}` : 'error' };
  }
}

export async function userPage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name;
  const base = userPath(name);
  let user: any;
  try {
    user = (await call(rq, 'GetUser', { UserName: name })).User;
  } catch (error) {
    return send(rq, error instanceof AwsError && error.code === 'NoSuchEntity' ? 404 : 403, layout(rq, name, notice('error', errorText(rq, error)), '/users'));
  }
  const arn = user.Arn as string;
  const has = (a: string) => rq.deps.invoker.has(a);
  const [groups, attached, inline, profile, keys, mfa, allGroups] = await Promise.all([
    safe(() => listAll(rq, 'ListGroupsForUser', 'Groups', { UserName: name })),
    has('ListAttachedUserPolicies') ? safe(() => listAll(rq, 'ListAttachedUserPolicies', 'AttachedPolicies', { UserName: name })) : Promise.resolve({ value: [] as any[], error: undefined as string | undefined }),
    has('ListUserPolicies') ? safe(() => listAll(rq, 'ListUserPolicies', 'PolicyNames', { UserName: name })) : Promise.resolve({ value: [] as any[], error: undefined as string | undefined }),
    safe(() => call(rq, 'GetLoginProfile', { UserName: name })),
    safe(() => call(rq, 'ListAccessKeys', { UserName: name })),
    safe(() => call(rq, 'ListMFADevices', { UserName: name })),
    safe(() => listAll(rq, 'ListGroups', 'Groups')),
  ]);
  const keyRows = await Promise.all(
    ((keys.value?.AccessKeyMetadata as any[]) ?? []).map(async (k) => ({ ...k, lastUsed: (await safe(() => call(rq, 'GetAccessKeyLastUsed', { AccessKeyId: k.AccessKeyId }))).value?.AccessKeyLastUsed })),
  );
  const [canKey, canUpdateKey, canDeleteKey, canProfile, canDelete, canAddGroup, canMfa, canTag] = await Promise.all([
    can(rq, 'iam:CreateAccessKey', arn),
    can(rq, 'iam:UpdateAccessKey', arn),
    can(rq, 'iam:DeleteAccessKey', arn),
    can(rq, profile.value ? 'iam:UpdateLoginProfile' : 'iam:CreateLoginProfile', arn),
    can(rq, 'iam:DeleteUser', arn),
    can(rq, 'iam:AddUserToGroup', arnOf(rq, 'group', '*')),
    can(rq, 'iam:EnableMFADevice', arn),
    can(rq, 'iam:TagUser', arn),
  ]);
  const memberOf = new Set(((groups.value as any[]) ?? []).map((g) => g.GroupName));
  const joinable = ((allGroups.value as any[]) ?? []).filter((g) => !memberOf.has(g.GroupName));
  const tags = (user.Tags as { Key: string; Value: string }[] | undefined) ?? [];
  const body = html`${flash(rq)}
<section class="card"><h2>${t('users.summary')}</h2><dl class="facts">
<dt>${t('common.arn')}</dt><dd><code id="user-arn">${arn}</code></dd><dt>${t('common.path')}</dt><dd>${user.Path}</dd>
<dt>${t('users.created')}</dt><dd>${fmtDate(rq, user.CreateDate)}</dd>
<dt>${t('users.boundary')}</dt><dd>${user.PermissionsBoundary?.PermissionsBoundaryArn ?? t('users.noBoundary')}</dd></dl>
${postButton(rq, `${base}/delete`, t('users.delete'), { allowed: canDelete, danger: true, confirm: t('users.deleteConfirm', { name }) })}</section>

<section class="card" id="permissions"><h2>${t('users.permissions')}</h2>
<h3>${t('users.attachedPolicies')}</h3>
${attached.error ? html`<p class="reason">${attached.error}</p>` : html`<ul class="plain" id="user-attached">${(attached.value as any[]).map((p) => html`<li><a href="${APP}/policies/view?arn=${encodeURIComponent(p.PolicyArn)}">${p.PolicyName}</a> ${postButton(rq, `${base}/detach`, t('common.detach'), { fields: { arn: p.PolicyArn } })}</li>`)}</ul>`}
${has('AttachUserPolicy') ? html`<a class="button" href="${APP}/attach?kind=user&name=${encodeURIComponent(name)}">${t('common.attachPolicies')}</a>` : ''}
<h3>${t('users.inlinePolicies')}</h3>
${inline.error ? html`<p class="reason">${inline.error}</p>` : html`<ul class="plain">${(inline.value as any[]).map((n) => html`<li><a href="${APP}/inline?kind=user&name=${encodeURIComponent(name)}&policy=${encodeURIComponent(n)}">${n}</a></li>`)}</ul>`}
${has('PutUserPolicy') ? html`<a class="button" href="${APP}/inline?kind=user&name=${encodeURIComponent(name)}">${t('common.addInline')}</a>` : ''}
</section>

<section class="card" id="groups"><h2>${t('users.groups')} (${memberOf.size})</h2>
<ul class="plain" id="user-groups">${[...memberOf].map((g) => html`<li><a href="${APP}/groups/${encodeURIComponent(g)}">${g}</a> ${postButton(rq, `${base}/groups/remove`, t('common.remove'), { fields: { group: g } })}</li>`)}</ul>
${joinable.length > 0 ? html`<form method="post" action="${base}/groups/add" class="inline">${csrfField(rq)}<select name="group" aria-label="${t('users.groups')}">${joinable.map((g) => html`<option>${g.GroupName}</option>`)}</select><button type="submit"${canAddGroup.allowed ? '' : html` disabled title="${canAddGroup.reason ?? ''}"`}>${t('users.addToGroup')}</button></form>` : ''}
</section>

<section class="card" id="security-credentials"><h2>${t('users.securityCredentials')}</h2>
<h3>${t('users.consolePassword')}</h3>
<p id="console-password-state">${profile.value ? t('users.passwordEnabled') : t('users.passwordDisabled')}${profile.value?.LoginProfile?.PasswordResetRequired ? html` <span class="tag">${t('users.resetPending')}</span>` : ''}</p>
<details id="manage-password"><summary>${t('users.managePassword')}</summary>
<form method="post" action="${base}/password">${csrfField(rq)}
<label class="check"><input type="radio" name="access" value="enable" checked> ${t('common.enable')}</label>
${profile.value ? html`<label class="check"><input type="radio" name="access" value="disable"> ${t('common.disable')}</label>` : ''}
<label class="check"><input type="radio" name="passwordMode" value="auto" checked> ${t('users.autoPassword')}</label>
<label class="check"><input type="radio" name="passwordMode" value="custom"> ${t('users.customPassword')}</label>
<label>${t('users.customPassword')}<input type="password" name="customPassword" autocomplete="new-password"></label>
<label class="check"><input type="checkbox" name="resetRequired" value="1" checked> ${t('users.requireReset')}</label>
<button type="submit" id="apply-password"${canProfile.allowed ? '' : html` disabled title="${canProfile.reason ?? ''}"`}>${t('common.apply')}</button></form></details>

<h3>${t('users.accessKeys')}</h3>
<table class="list" id="access-keys"><thead><tr><th>${t('creds.accessKeyId')}</th><th>${t('common.status')}</th><th>${t('users.created')}</th><th>${t('users.lastUsed')}</th><th></th></tr></thead><tbody>
${keyRows.map((k) => html`<tr><td><code>${k.AccessKeyId}</code></td><td>${k.Status === 'Active' ? t('common.active') : t('common.inactive')}</td><td>${fmtDate(rq, k.CreateDate)}</td>
<td>${k.lastUsed?.LastUsedDate ? html`${fmtDate(rq, k.lastUsed.LastUsedDate)} (${k.lastUsed.ServiceName})` : t('common.never')}</td>
<td>${postButton(rq, `${base}/keys/status`, k.Status === 'Active' ? t('users.makeInactive') : t('users.makeActive'), { allowed: canUpdateKey, fields: { key: k.AccessKeyId, status: k.Status === 'Active' ? 'Inactive' : 'Active' } })}
${postButton(rq, `${base}/keys/delete`, t('common.delete'), { allowed: canDeleteKey, danger: true, fields: { key: k.AccessKeyId }, confirm: t('users.deleteKeyConfirm') })}</td></tr>`)}
</tbody></table>
${postButton(rq, `${base}/keys/create`, t('users.createKey'), { allowed: keyRows.length >= 2 ? { allowed: false, reason: t('users.twoKeys') } : canKey, id: 'create-access-key' })}

<h3>${t('users.mfa')}</h3>
<ul class="plain" id="mfa-devices">${((mfa.value?.MFADevices as any[]) ?? []).map((d) => html`<li><code>${d.SerialNumber}</code> ${fmtDate(rq, d.EnableDate)} ${postButton(rq, `${base}/mfa/remove`, t('common.remove'), { fields: { serial: d.SerialNumber }, danger: true })}</li>`)}</ul>
${canMfa.allowed ? html`<a class="button" id="assign-mfa" href="${APP}/mfa-assign?user=${encodeURIComponent(name)}">${t('users.assignMfa')}</a>` : html`<button disabled title="${canMfa.reason ?? ''}">${t('users.assignMfa')}</button>`}
</section>

<section class="card" id="tags"><h2>${t('common.tags')}</h2>
<table class="list"><tbody>${tags.map((tag) => html`<tr><td>${tag.Key}</td><td>${tag.Value}</td><td>${postButton(rq, `${base}/untag`, t('common.remove'), { fields: { key: tag.Key }, allowed: canTag })}</td></tr>`)}</tbody></table>
<form method="post" action="${base}/tag" class="inline">${csrfField(rq)}<input name="key" placeholder="${t('common.key')}" aria-label="${t('common.key')}" required><input name="value" placeholder="${t('common.value')}" aria-label="${t('common.value')}"><button type="submit"${canTag.allowed ? '' : html` disabled title="${canTag.reason ?? ''}"`}>${t('common.addTag')}</button></form>
</section>`;
  send(rq, 200, layout(rq, t('users.userTitle', { name }), body, '/users'));
}

/** POST /users/:name/<op>: the user page's buttons. */
export async function postUserOp(rq: Rq, params: Record<string, string>, app: Console): Promise<void> {
  const t = rq.t;
  const name = params.name;
  const base = userPath(name);
  const f = rq.form;
  try {
    switch (params.op) {
      case 'delete': {
        const userId = (await call(rq, 'GetUser', { UserName: name })).User.UserId as string;
        await deleteUserCompletely(rq, name);
        await app.endSessionsOf(rq.principal!.accountId, userId);
        return redirect(rq, `${APP}/users?ok=userDeleted`);
      }
      case 'groups/add':
        await call(rq, 'AddUserToGroup', { UserName: name, GroupName: f.get('group') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'groups/remove':
        await call(rq, 'RemoveUserFromGroup', { UserName: name, GroupName: f.get('group') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'detach':
        await call(rq, 'DetachUserPolicy', { UserName: name, PolicyArn: f.get('arn') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'keys/create': {
        const key = (await call(rq, 'CreateAccessKey', { UserName: name })).AccessKey;
        return credentialsPage(rq, app, t('users.createKey'), [{ userName: name, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }], base);
      }
      case 'keys/status':
        await call(rq, 'UpdateAccessKey', { UserName: name, AccessKeyId: f.get('key') ?? '', Status: f.get('status') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'keys/delete':
        await call(rq, 'DeleteAccessKey', { UserName: name, AccessKeyId: f.get('key') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'password': {
        if (f.get('access') === 'disable') {
          await call(rq, 'DeleteLoginProfile', { UserName: name });
          return redirect(rq, `${base}?ok=saved`);
        }
        const custom = f.get('passwordMode') === 'custom';
        const policy = (await call(rq, 'GetAccountPasswordPolicy').catch(() => ({}) as Record<string, any>)).PasswordPolicy as PasswordPolicy | undefined;
        const password = custom ? (f.get('customPassword') ?? '') : generatePassword(policy?.MinimumPasswordLength ?? 6);
        const resetRequired = f.get('resetRequired') === '1';
        const exists = await call(rq, 'GetLoginProfile', { UserName: name }).then(() => true, () => false);
        await call(rq, exists ? 'UpdateLoginProfile' : 'CreateLoginProfile', { UserName: name, Password: password, PasswordResetRequired: resetRequired });
        if (resetRequired && rq.deps.invoker.has('AttachUserPolicy')) await call(rq, 'AttachUserPolicy', { UserName: name, PolicyArn: CHANGE_PASSWORD_POLICY }).catch(() => undefined);
        return credentialsPage(rq, app, t('users.managePassword'), [{ userName: name, password }], base);
      }
      case 'mfa/remove': {
        const serial = f.get('serial') ?? '';
        await call(rq, 'DeactivateMFADevice', { UserName: name, SerialNumber: serial });
        await call(rq, 'DeleteVirtualMFADevice', { SerialNumber: serial }).catch(() => undefined);
        return redirect(rq, `${base}?ok=saved`);
      }
      case 'tag':
        await call(rq, 'TagUser', { UserName: name, Tags: [{ Key: f.get('key') ?? '', Value: f.get('value') ?? '' }] });
        return redirect(rq, `${base}?ok=saved`);
      case 'untag':
        await call(rq, 'UntagUser', { UserName: name, TagKeys: [f.get('key') ?? ''] });
        return redirect(rq, `${base}?ok=saved`);
    }
  } catch (error) {
    return back(rq, base, error);
  }
  send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
}

/** As AWS's console does: a user is deleted with its password, keys, MFA, groups and policies. */
async function deleteUserCompletely(rq: Rq, name: string): Promise<void> {
  await call(rq, 'DeleteLoginProfile', { UserName: name }).catch((e) => ignoreMissing(e));
  for (const k of (await call(rq, 'ListAccessKeys', { UserName: name })).AccessKeyMetadata ?? []) await call(rq, 'DeleteAccessKey', { UserName: name, AccessKeyId: k.AccessKeyId });
  for (const d of (await call(rq, 'ListMFADevices', { UserName: name })).MFADevices ?? []) {
    await call(rq, 'DeactivateMFADevice', { UserName: name, SerialNumber: d.SerialNumber });
    await call(rq, 'DeleteVirtualMFADevice', { SerialNumber: d.SerialNumber }).catch(() => undefined);
  }
  for (const g of await listAll(rq, 'ListGroupsForUser', 'Groups', { UserName: name })) await call(rq, 'RemoveUserFromGroup', { UserName: name, GroupName: g.GroupName });
  if (rq.deps.invoker.has('ListAttachedUserPolicies')) for (const p of await listAll(rq, 'ListAttachedUserPolicies', 'AttachedPolicies', { UserName: name })) await call(rq, 'DetachUserPolicy', { UserName: name, PolicyArn: p.PolicyArn });
  if (rq.deps.invoker.has('ListUserPolicies')) for (const p of await listAll(rq, 'ListUserPolicies', 'PolicyNames', { UserName: name })) await call(rq, 'DeleteUserPolicy', { UserName: name, PolicyName: p });
  if (rq.deps.invoker.has('DeleteUserPermissionsBoundary')) await call(rq, 'DeleteUserPermissionsBoundary', { UserName: name }).catch(() => undefined);
  await call(rq, 'DeleteUser', { UserName: name });
}

function ignoreMissing(e: unknown): void {
  if (!(e instanceof AwsError && e.code === 'NoSuchEntity')) throw e;
}
