// Users: list, the one-time credentials page with its CSV, and a user's page (groups, policies,
// credentials, MFA, tags). Add user is pages-add-user.ts.
import { generatePassword } from '../../crypto/passwords.ts';
import { AwsError } from '../../errors/aws-error.ts';
import {
  APP,
  arnOf,
  call,
  can,
  csrfField,
  flash,
  fmtDate,
  markOneTime,
  notice,
  postButton,
  redirect,
  redirectWithError,
  send,
  setFlashError,
  type Rq,
} from './core.ts';
import type { Console } from './console.ts';
import { html } from './html.ts';
import { entityTabs } from './pages-access-advisor.ts';
import { userActivity } from './pages-audit.ts';
import { layout } from './layout.ts';
import { disabledIf, itemLink, listPage, searchOrPage, tagsCard } from './list-page.ts';
import { csvField } from './scratch.ts';
import { readPasswordPolicy } from './pages-account.ts';
import { signInUrl } from './pages-dashboard.ts';
import { listAll, read, type AccessKeyLastUsed, type AccessKeyRow, type Tag, type UserRow } from './outputs.ts';
import { degraded, isMissing, load, loaded, loadFailed, section, type Loaded } from './sections.ts';

export const MAX_NEW_USERS = 5;
const CHANGE_PASSWORD_POLICY = 'arn:aws:iam::aws:policy/IAMUserChangePassword';

export const back = (rq: Rq, path: string, error: unknown) => redirectWithError(rq, path, error);
const userPath = (name: string) => `${APP}/users/${encodeURIComponent(name)}`;

export async function usersList(rq: Rq): Promise<void> {
  const t = rq.t;
  const q = (rq.url.searchParams.get('q') ?? '').trim().toLowerCase();
  await listPage<UserRow>(rq, {
    title: t('nav.users'),
    nav: '/users',
    what: t('nav.users'),
    id: 'users',
    create: { action: 'iam:CreateUser', resource: arnOf(rq, 'user', '*'), href: `${APP}/users/new`, label: t('users.add'), id: 'add-user' },
    search: { q },
    columns: [
      { header: t('users.name'), cell: (u) => itemLink(userPath(u.UserName), u.UserName) },
      { header: t('users.created'), cell: (u) => fmtDate(rq, u.CreateDate) },
      { header: t('users.passwordLastUsed'), cell: (u) => (u.PasswordLastUsed ? fmtDate(rq, u.PasswordLastUsed) : t('common.never')) },
    ],
    empty: t('users.none'),
    list: () => searchOrPage(rq, 'ListUsers', q, (u) => u.UserName.toLowerCase().includes(q)),
  });
}

export interface Issued {
  userName: string;
  password?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Why nothing (or not everything) was created. */
  error?: string;
  /** What was created but did not go entirely as asked (shown with the credentials). */
  warnings?: string[];
}

/** What a one-time credentials page shows, kept sealed in the store until the page is left (scratch.ts). */
export interface ShownCredentials {
  title: string;
  rows: Issued[];
  closeTo: string;
  notes: string[];
  /** A service-specific credential created or reset (a user's credentials page): shown instead of rows. */
  service?: { name: string; login: string; secret: string };
}

/**
 * The answer to a POST that issued passwords or secret keys: they are kept for their one page and
 * the browser is redirected to it (redirect-after-POST), so Back, Forward and reload never submit
 * the form again. Only failures (nothing issued) are shown at once.
 */
export async function showCredentials(rq: Rq, title: string, rows: Issued[], closeTo: string, notes: string[] = []): Promise<void> {
  if (!rows.some(issuedSomething)) return credentialsPage(rq, title, rows, closeTo, notes);
  redirect(rq, await keepCredentials(rq, { title, rows, closeTo, notes }));
}

/** Keeps the page's credentials; returns the page's location. */
export async function keepCredentials(rq: Rq, shown: ShownCredentials): Promise<string> {
  const token = await rq.deps.scratch.putCredentials(rq.session!.id_hash, JSON.stringify(shown), rq.facts.now.getTime());
  markOneTime(rq);
  return `${APP}/credentials/${token}`;
}

/** GET /credentials/TOKEN: the credentials, while their entry lives (until another page is viewed or the CSV downloaded). */
export async function shownCredentialsPage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const kept = params.token ? await rq.deps.scratch.peekCredentials(params.token, rq.session!.id_hash, rq.facts.now.getTime()) : undefined;
  if (!kept) {
    const body = html`${notice('info', t('fix.gone'))}<div class="actions"><a class="button" id="close" href="${APP}/users">${t('common.close')}</a></div>`;
    return send(rq, 410, layout(rq, t('creds.success'), body, '/users'));
  }
  markOneTime(rq);
  const shown = JSON.parse(kept) as ShownCredentials;
  if (shown.service) return serviceCredentialPage(rq, shown.title, shown.service, shown.closeTo);
  credentialsPage(rq, shown.title, shown.rows, shown.closeTo, shown.notes, params.token);
}

/** A new service-specific credential: its login and secret, once (there is no CSV of it). */
function serviceCredentialPage(rq: Rq, title: string, c: NonNullable<ShownCredentials['service']>, closeTo: string): void {
  const t = rq.t;
  const body = html`<section class="card" id="ssc-created"><p class="warning" id="ssc-once">${t('ucreds.once')}</p><dl class="facts">
<dt>${t('ucreds.service')}</dt><dd>${c.name}</dd>
<dt>${t('ucreds.login')}</dt><dd><code id="ssc-login">${c.login}</code></dd>
<dt>${t('ucreds.secret')}</dt><dd><code id="ssc-secret">${c.secret}</code></dd></dl>
<a class="button primary" id="ssc-close" href="${closeTo}">${t('common.close')}</a></section>`;
  send(rq, 200, layout(rq, title, body, '/users'));
}

const issuedSomething = (r: Issued) => !r.error && Boolean(r.password || r.secretAccessKey);

export function credentialsCsv(rq: Rq, rows: Issued[]): string {
  const link = signInUrl(rq, rq.principal!.alias ?? rq.principal!.accountId);
  const lines = [['User name', 'Password', 'Access key ID', 'Secret access key', 'Console login link'].join(',')];
  for (const r of rows) {
    lines.push([r.userName, r.password ?? '', r.accessKeyId ?? '', r.secretAccessKey ?? '', r.password ? link : ''].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** The page that shows new passwords and secret keys: once, never again. `token`: the CSV's download, if kept. */
function credentialsPage(rq: Rq, title: string, rows: Issued[], closeTo: string, notes: string[], token?: string): void {
  const t = rq.t;
  const ok = rows.filter(issuedSomething);
  const link = signInUrl(rq, rq.principal!.alias ?? rq.principal!.accountId);
  const secret = (value: string | undefined) =>
    value ? html`<span class="secret" hidden data-secret>${value}</span><button type="button" class="link" data-reveal>${t('common.show')}</button>` : '—';
  const failed = rows.filter((r) => r.error);
  const warnings = [...notes, ...rows.flatMap((r) => (r.warnings ?? []).map((w) => `${r.userName}: ${w}`))];
  const body = html`
${failed.length > 0 ? notice('error', html`<ul>${failed.map((r) => html`<li>${r.userName}: ${r.error}</li>`)}</ul>`) : ''}
${ok.length > 0 ? notice('ok', t('creds.success')) : ''}
${warnings.length > 0 ? notice('error', html`<ul id="credentials-warnings">${warnings.map((w) => html`<li>${w}</li>`)}</ul>`) : ''}
${
  ok.length > 0
    ? html`<p class="warning" id="once-warning">${t('creds.once')}</p>
<p>${t('creds.signinLink')} <code>${link}</code></p>
<table class="list" id="credentials-table"><thead><tr><th>${t('users.name')}</th><th>${t('creds.password')}</th><th>${t('creds.accessKeyId')}</th>\
<th>${t('creds.secret')}</th></tr></thead><tbody>
${ok.map(
  (r) => html`<tr data-user="${r.userName}"><td>${r.userName}</td>
<td>${secret(r.password)}</td>
<td><code class="key-id">${r.accessKeyId ?? '—'}</code></td>
<td>${secret(r.secretAccessKey)}</td></tr>`,
)}
</tbody></table>`
    : ''
}
<div class="actions">\
${token ? html`<a class="button primary" id="download-csv" href="${APP}/download/${token}" download="credentials.csv">${t('creds.download')}</a>` : ''}\
<a class="button" id="close" href="${closeTo}">${t('common.close')}</a></div>`;
  send(rq, 200, layout(rq, title, body, '/users'));
}

export async function download(rq: Rq, params: Record<string, string>): Promise<void> {
  if (params.token === undefined) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const kept = await rq.deps.scratch.takeCredentials(params.token, rq.session!.id_hash, rq.facts.now.getTime());
  if (!kept) return send(rq, 410, rq.t('creds.gone'), 'text/plain; charset=utf-8');
  const shown = JSON.parse(kept) as ShownCredentials;
  if (shown.service) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  rq.res.setHeader('content-disposition', 'attachment; filename="credentials.csv"');
  send(rq, 200, credentialsCsv(rq, shown.rows.filter(issuedSomething)), 'text/csv; charset=utf-8');
}

/**
 * As AWS's console does: a user who must choose a new password gets IAMUserChangePassword. When
 * that fails the password is still set; the reason is returned, to be shown with it.
 */
async function allowPasswordChange(rq: Rq, name: string): Promise<string | undefined> {
  if (!rq.deps.invoker.has('AttachUserPolicy')) return undefined;
  const attached = await load(rq, () => call(rq, 'AttachUserPolicy', { UserName: name, PolicyArn: CHANGE_PASSWORD_POLICY }));
  return attached.ok ? undefined : rq.t('users.changePasswordNotAttached', { reason: attached.reason });
}

/** The note for passwords generated without the account's policy (it could not be read). */
function policyNote(rq: Rq, policy: Loaded<unknown>): string[] {
  return policy.ok ? [] : [rq.t('creds.policyUnknown', { reason: policy.reason })];
}

// Add user (the form, its checks, the creation): pages-add-user.ts.

type KeyView = AccessKeyRow & { lastUsed: Loaded<AccessKeyLastUsed | undefined> };

export async function userPage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name;
  if (name === undefined) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const base = userPath(name);
  const got = await load(rq, () => read(rq, 'GetUser', { UserName: name }));
  if (!got.ok) {
    const status = got.error instanceof AwsError && got.error.code === 'NoSuchEntity' ? 404 : 403;
    return send(rq, status, layout(rq, name, notice('error', got.reason), '/users'));
  }
  const user = got.value.User;
  const arn = user.Arn;
  const has = (a: string) => rq.deps.invoker.has(a);
  const byUser = { UserName: name };
  const [groups, attached, inline, profile, keys, mfa, allGroups] = await Promise.all([
    load(rq, () => listAll(rq, 'ListGroupsForUser', byUser)),
    has('ListAttachedUserPolicies') ? load(rq, () => listAll(rq, 'ListAttachedUserPolicies', byUser)) : loaded([]),
    has('ListUserPolicies') ? load(rq, () => listAll(rq, 'ListUserPolicies', byUser)) : loaded([]),
    load(rq, () => read(rq, 'GetLoginProfile', byUser)),
    load(rq, () => listAll(rq, 'ListAccessKeys', byUser)),
    load(rq, () => listAll(rq, 'ListMFADevices', byUser)),
    load(rq, () => listAll(rq, 'ListGroups')),
  ]);
  const keyRows: KeyView[] = await Promise.all(
    (keys.ok ? keys.value : []).map(async (k) => ({
      ...k,
      lastUsed: await load(rq, async () => (await read(rq, 'GetAccessKeyLastUsed', { AccessKeyId: k.AccessKeyId })).AccessKeyLastUsed),
    })),
  );
  // No login profile (NoSuchEntity) is a user without a console password; any other failure is unknown.
  const hasPassword = profile.ok;
  const [canKey, canUpdateKey, canDeleteKey, canProfile, canDelete, canAddGroup, canMfa, canTag] = await Promise.all([
    can(rq, 'iam:CreateAccessKey', arn),
    can(rq, 'iam:UpdateAccessKey', arn),
    can(rq, 'iam:DeleteAccessKey', arn),
    can(rq, hasPassword ? 'iam:UpdateLoginProfile' : 'iam:CreateLoginProfile', arn),
    can(rq, 'iam:DeleteUser', arn),
    can(rq, 'iam:AddUserToGroup', arnOf(rq, 'group', '*')),
    can(rq, 'iam:EnableMFADevice', arn),
    can(rq, 'iam:TagUser', arn),
  ]);
  const memberOf = new Set((groups.ok ? groups.value : []).map((g) => g.GroupName));
  const joinable = (allGroups.ok ? allGroups.value : []).filter((g) => !memberOf.has(g.GroupName));
  const tags: Tag[] = user.Tags ?? [];
  const inlineHref = (n: string) => `${APP}/inline?kind=user&name=${encodeURIComponent(name)}&policy=${encodeURIComponent(n)}`;

  const permissions = html`<section class="card" id="permissions"><h2>${t('users.permissions')}</h2>
<h3>${t('users.attachedPolicies')}</h3>
${section(
  rq,
  t('users.attachedPolicies'),
  attached,
  (list) =>
    html`<ul class="plain" id="user-attached">${list.map(
      (p) => html`<li><a href="${APP}/policies/view?arn=${encodeURIComponent(p.PolicyArn)}">${p.PolicyName}</a> \
${postButton(rq, `${base}/detach`, t('common.detach'), { fields: { arn: p.PolicyArn } })}</li>`,
    )}</ul>`,
)}
${has('AttachUserPolicy') ? html`<a class="button" href="${APP}/attach?kind=user&name=${encodeURIComponent(name)}">${t('common.attachPolicies')}</a>` : ''}
<h3>${t('users.inlinePolicies')}</h3>
${section(rq, t('users.inlinePolicies'), inline, (list) => html`<ul class="plain">${list.map((n) => html`<li><a href="${inlineHref(n)}">${n}</a></li>`)}</ul>`)}
${has('PutUserPolicy') ? html`<a class="button" href="${APP}/inline?kind=user&name=${encodeURIComponent(name)}">${t('common.addInline')}</a>` : ''}
</section>`;

  const groupsCard = html`<section class="card" id="groups"><h2>${t('users.groups')}${groups.ok ? ` (${memberOf.size})` : ''}</h2>
${section(
  rq,
  t('users.groups'),
  groups,
  () =>
    html`<ul class="plain" id="user-groups">${[...memberOf].map(
      (g) => html`<li><a href="${APP}/groups/${encodeURIComponent(g)}">${g}</a> \
${postButton(rq, `${base}/groups/remove`, t('common.remove'), { fields: { group: g } })}</li>`,
    )}</ul>`,
)}
${allGroups.ok ? '' : degraded(t('users.joinableUnknown', { reason: allGroups.reason }))}
${
  joinable.length > 0
    ? html`<form method="post" action="${base}/groups/add" class="inline">${csrfField(rq)}\
<select name="group" aria-label="${t('users.groups')}">${joinable.map((g) => html`<option>${g.GroupName}</option>`)}</select>\
<button type="submit"${disabledIf(canAddGroup)}>${t('users.addToGroup')}</button></form>`
    : ''
}
</section>`;

  const passwordState = hasPassword
    ? html`${t('users.passwordEnabled')}${profile.value.LoginProfile.PasswordResetRequired ? html` <span class="tag">${t('users.resetPending')}</span>` : ''}`
    : isMissing(profile)
      ? t('users.passwordDisabled')
      : '';
  const keyRow = (k: KeyView) => {
    const active = k.Status === 'Active';
    const lastUsed = !k.lastUsed.ok
      ? html`<span class="reason">${k.lastUsed.reason}</span>`
      : k.lastUsed.value?.LastUsedDate
        ? html`${fmtDate(rq, k.lastUsed.value.LastUsedDate)} (${k.lastUsed.value.ServiceName})`
        : t('common.never');
    return html`<tr><td><code>${k.AccessKeyId}</code></td><td>${active ? t('common.active') : t('common.inactive')}</td><td>${fmtDate(rq, k.CreateDate)}</td>
<td>${lastUsed}</td>
<td>${postButton(rq, `${base}/keys/status`, active ? t('users.makeInactive') : t('users.makeActive'), {
      allowed: canUpdateKey,
      fields: { key: k.AccessKeyId, status: active ? 'Inactive' : 'Active' },
    })}
${postButton(rq, `${base}/keys/delete`, t('common.delete'), {
  allowed: canDeleteKey,
  danger: true,
  fields: { key: k.AccessKeyId },
  confirm: t('users.deleteKeyConfirm'),
})}</td></tr>`;
  };
  const credentials = html`<section class="card" id="security-credentials"><h2>${t('users.securityCredentials')}</h2>
<h3>${t('users.consolePassword')}</h3>
${!profile.ok && !isMissing(profile) ? loadFailed(rq, t('users.consolePassword'), profile.reason) : ''}
<p id="console-password-state">${passwordState}</p>
<details id="manage-password"><summary>${t('users.managePassword')}</summary>
<form method="post" action="${base}/password">${csrfField(rq)}
<label class="check"><input type="radio" name="access" value="enable" checked> ${t('common.enable')}</label>
${hasPassword ? html`<label class="check"><input type="radio" name="access" value="disable"> ${t('common.disable')}</label>` : ''}
<label class="check"><input type="radio" name="passwordMode" value="auto" checked> ${t('users.autoPassword')}</label>
<label class="check"><input type="radio" name="passwordMode" value="custom"> ${t('users.customPassword')}</label>
<label class="custom-password">${t('users.customPassword')}<input type="password" name="customPassword" autocomplete="new-password"></label>
<label class="check"><input type="checkbox" name="resetRequired" value="1" checked> ${t('users.requireReset')}</label>
<button type="submit" id="apply-password"${disabledIf(canProfile)}>${t('common.apply')}</button></form></details>

<h3>${t('users.accessKeys')}</h3>
${section(
  rq,
  t('users.accessKeys'),
  keys,
  () => html`<table class="list" id="access-keys"><thead><tr><th>${t('creds.accessKeyId')}</th>\
<th>${t('common.status')}</th><th>${t('users.created')}</th><th>${t('users.lastUsed')}</th><th></th></tr></thead><tbody>
${keyRows.map(keyRow)}
</tbody></table>`,
)}
${postButton(rq, `${base}/keys/create`, t('users.createKey'), {
  allowed: keyRows.length >= 2 ? { allowed: false, reason: t('users.twoKeys') } : canKey,
  id: 'create-access-key',
})}

<h3>${t('users.mfa')}</h3>
${section(
  rq,
  t('users.mfa'),
  mfa,
  (devices) =>
    html`<ul class="plain" id="mfa-devices">${devices.map(
      (d) => html`<li><code>${d.SerialNumber}</code> ${fmtDate(rq, d.EnableDate)} \
${postButton(rq, `${base}/mfa/remove`, t('common.remove'), { fields: { serial: d.SerialNumber }, danger: true })}</li>`,
    )}</ul>`,
)}
${
  canMfa.allowed
    ? html`<a class="button" id="assign-mfa" href="${APP}/mfa-assign?user=${encodeURIComponent(name)}">${t('users.assignMfa')}</a>`
    : html`<button disabled title="${canMfa.reason ?? ''}">${t('users.assignMfa')}</button>`
}
${canMfa.allowed ? html`<a class="button" id="add-passkey" href="${APP}/passkeys/new?user=${encodeURIComponent(name)}">${t('passkey.add')}</a>` : ''}
</section>`;

  const body = html`${flash(rq)}${entityTabs(rq, 'users', name)}
<section class="card"><h2>${t('users.summary')}</h2><dl class="facts">
<dt>${t('common.arn')}</dt><dd><code id="user-arn">${arn}</code></dd><dt>${t('common.path')}</dt><dd>${user.Path}</dd>
<dt>${t('users.created')}</dt><dd>${fmtDate(rq, user.CreateDate)}</dd>
<dt>${t('users.boundary')}</dt><dd>${user.PermissionsBoundary?.PermissionsBoundaryArn ?? t('users.noBoundary')}</dd></dl>
${postButton(rq, `${base}/delete`, t('users.delete'), { allowed: canDelete, danger: true, confirm: t('users.deleteConfirm', { name }) })}</section>

${permissions}

${groupsCard}

${credentials}

${tagsCard(rq, base, tags, canTag)}

${await userActivity(
  rq,
  name,
  keyRows.map((k) => k.AccessKeyId),
)}`;
  send(rq, 200, layout(rq, t('users.userTitle', { name }), body, '/users'));
}

/** POST /users/:name/<op>: the user page's buttons. */
export async function postUserOp(rq: Rq, params: Record<string, string>, app: Console): Promise<void> {
  const t = rq.t;
  const name = params.name;
  if (name === undefined) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const base = userPath(name);
  const f = rq.form;
  try {
    switch (params.op) {
      case 'delete': {
        const userId = (await read(rq, 'GetUser', { UserName: name })).User.UserId;
        const warnings = await deleteUserCompletely(rq, name);
        await app.endSessionsOf(rq.principal!.accountId, userId);
        if (warnings.length > 0) setFlashError(rq, `${APP}/users`, warnings.join(' '));
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
        const key = (await read(rq, 'CreateAccessKey', { UserName: name })).AccessKey;
        const issued: Issued = { userName: name, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
        return showCredentials(rq, t('users.createKey'), [issued], base);
      }
      case 'keys/status':
        await call(rq, 'UpdateAccessKey', { UserName: name, AccessKeyId: f.get('key') ?? '', Status: f.get('status') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'keys/delete':
        await call(rq, 'DeleteAccessKey', { UserName: name, AccessKeyId: f.get('key') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'password':
        return await setPassword(rq, name);
      case 'mfa/remove': {
        const serial = f.get('serial') ?? '';
        await call(rq, 'DeactivateMFADevice', { UserName: name, SerialNumber: serial });
        const warning = await deleteVirtualDevice(rq, serial);
        if (warning) setFlashError(rq, base, warning);
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

/** The user page's password form: disable, or set (a generated or given password). */
async function setPassword(rq: Rq, name: string): Promise<void> {
  const f = rq.form;
  const base = userPath(name);
  if (f.get('access') === 'disable') {
    await call(rq, 'DeleteLoginProfile', { UserName: name });
    return redirect(rq, `${base}?ok=saved`);
  }
  const custom = f.get('passwordMode') === 'custom';
  const policy = custom ? loaded(undefined) : await readPasswordPolicy(rq);
  const password = custom ? (f.get('customPassword') ?? '') : generatePassword((policy.ok ? policy.value : undefined)?.MinimumPasswordLength ?? 6);
  const resetRequired = f.get('resetRequired') === '1';
  // Update the password if there is one, create it if not (NoSuchEntity); any other failure is shown.
  const current = await load(rq, () => read(rq, 'GetLoginProfile', { UserName: name }));
  if (!current.ok && !isMissing(current)) throw current.error;
  await call(rq, current.ok ? 'UpdateLoginProfile' : 'CreateLoginProfile', { UserName: name, Password: password, PasswordResetRequired: resetRequired });
  const warning = resetRequired ? await allowPasswordChange(rq, name) : undefined;
  const issued: Issued = { userName: name, password, warnings: warning ? [warning] : undefined };
  return showCredentials(rq, rq.t('users.managePassword'), [issued], base, policyNote(rq, policy));
}

/**
 * Deletes a deactivated virtual MFA device (it would otherwise stay, unassigned). The device is
 * already off the user, so a failure here is reported, not thrown; NoSuchEntity means there was
 * no virtual device to delete.
 */
export async function deleteVirtualDevice(rq: Rq, serial: string): Promise<string | undefined> {
  // A passkey or security key is gone once deactivated: there is no virtual device to delete.
  if (serial.includes(':u2f/')) return undefined;
  const deleted = await load(rq, () => call(rq, 'DeleteVirtualMFADevice', { SerialNumber: serial }));
  return deleted.ok || isMissing(deleted) ? undefined : rq.t('mfa.deviceNotDeleted', { serial, reason: deleted.reason });
}

/**
 * As AWS's console does: a user is deleted with its password, keys, MFA, groups and policies.
 * Returns what did not go as asked but did not stop the deletion (a virtual MFA device left).
 * (A permissions boundary needs no step: DeleteUser takes it with the user.)
 */
async function deleteUserCompletely(rq: Rq, name: string): Promise<string[]> {
  const warnings: string[] = [];
  const byUser = { UserName: name };
  await call(rq, 'DeleteLoginProfile', byUser).catch(ignoreMissing);
  for (const k of await listAll(rq, 'ListAccessKeys', byUser)) await call(rq, 'DeleteAccessKey', { ...byUser, AccessKeyId: k.AccessKeyId });
  for (const d of await listAll(rq, 'ListMFADevices', byUser)) {
    await call(rq, 'DeactivateMFADevice', { ...byUser, SerialNumber: d.SerialNumber });
    const warning = await deleteVirtualDevice(rq, d.SerialNumber);
    if (warning) warnings.push(warning);
  }
  for (const g of await listAll(rq, 'ListGroupsForUser', byUser)) await call(rq, 'RemoveUserFromGroup', { ...byUser, GroupName: g.GroupName });
  if (rq.deps.invoker.has('ListAttachedUserPolicies')) {
    for (const p of await listAll(rq, 'ListAttachedUserPolicies', byUser)) await call(rq, 'DetachUserPolicy', { ...byUser, PolicyArn: p.PolicyArn });
  }
  if (rq.deps.invoker.has('ListUserPolicies')) {
    for (const p of await listAll(rq, 'ListUserPolicies', byUser)) await call(rq, 'DeleteUserPolicy', { ...byUser, PolicyName: p });
  }
  await call(rq, 'DeleteUser', byUser);
  return warnings;
}

function ignoreMissing(e: unknown): void {
  if (!(e instanceof AwsError && e.code === 'NoSuchEntity')) throw e;
}
