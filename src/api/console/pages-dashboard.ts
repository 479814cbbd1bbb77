// The IAM dashboard: account id, the IAM users' sign-in link, alias, resource counts, and the
// security status checklist.
import { APP, PREFIX, call, can, errorText, flash, postButton, redirect, redirectWithError, send, csrfField, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { AwsError } from '../../errors/aws-error.ts';

export function origin(rq: Rq): string {
  return `${rq.secure ? 'https' : 'http'}://${rq.req.headers.host ?? 'localhost'}`;
}

export function signInUrl(rq: Rq, ref: string): string {
  return `${origin(rq)}${PREFIX}/${ref}`;
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}

export async function dashboard(rq: Rq): Promise<void> {
  const t = rq.t;
  const p = rq.principal!;
  const [summary, policy, aliasAllowed] = await Promise.all([
    attempt(() => call(rq, 'GetAccountSummary')),
    attempt(() => call(rq, 'GetAccountPasswordPolicy')),
    can(rq, 'iam:CreateAccountAlias', '*'),
  ]);
  const s = (summary.value?.SummaryMap ?? {}) as Record<string, number>;
  const idUrl = signInUrl(rq, p.accountId);
  const aliasUrl = p.alias ? signInUrl(rq, p.alias) : undefined;
  const hasPolicy = policy.value !== undefined;
  const policyUnknown = policy.error instanceof AwsError && policy.error.code === 'AccessDenied';
  const items: { id: string; done: boolean | undefined; label: string; link: string; fix: string }[] = [
    { id: 'root-keys', done: summary.value ? s.AccountAccessKeysPresent === 0 : undefined, label: t('check.rootKeys'), link: `${APP}/security-credentials`, fix: t('check.rootKeysFix') },
    { id: 'root-mfa', done: summary.value ? s.AccountMFAEnabled === 1 : undefined, label: t('check.rootMfa'), link: `${APP}/security-credentials`, fix: t('check.rootMfaFix') },
    { id: 'users', done: summary.value ? s.Users > 0 : undefined, label: t('check.users'), link: `${APP}/users`, fix: t('check.usersFix') },
    { id: 'groups', done: summary.value ? s.Groups > 0 : undefined, label: t('check.groups'), link: `${APP}/groups`, fix: t('check.groupsFix') },
    { id: 'password-policy', done: policyUnknown ? undefined : hasPolicy, label: t('check.passwordPolicy'), link: `${APP}/account-settings`, fix: t('check.passwordPolicyFix') },
  ];
  const done = items.filter((i) => i.done).length;
  const count = (key: 'Users' | 'Groups' | 'Roles' | 'Policies', path: string, label: string): SafeHtml =>
    html`<li><a href="${APP}${path}"><span class="count" id="count-${key.toLowerCase()}">${summary.value ? String(s[key] ?? 0) : '—'}</span> ${label}</a></li>`;
  const body = html`${flash(rq)}
<section class="card">
  <h2>${t('dash.signinLink')}</h2>
  <p class="hint">${t('dash.signinHint')}</p>
  <div class="copy-row"><code id="signin-url">${aliasUrl ?? idUrl}</code><button type="button" class="copy" data-copy="${aliasUrl ?? idUrl}">${t('common.copy')}</button></div>
  ${aliasUrl ? html`<p class="hint">${t('dash.idUrlStillWorks')} <code id="signin-url-id">${idUrl}</code></p>` : ''}
  <dl class="facts"><dt>${t('dash.accountId')}</dt><dd id="account-id">${p.accountId}</dd><dt>${t('dash.alias')}</dt><dd id="alias">${p.alias ?? '—'}</dd></dl>
  <details><summary>${p.alias ? t('dash.editAlias') : t('dash.createAlias')}</summary>
    <form method="post" action="${APP}/alias">${csrfField(rq)}
      <label>${t('dash.alias')}<input name="alias" id="alias-input" value="${p.alias ?? ''}" pattern="[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?" minlength="3" maxlength="63" required></label>
      <p class="hint">${t('dash.aliasHint')}</p>
      <button type="submit" id="alias-save"${aliasAllowed.allowed ? '' : html` disabled title="${aliasAllowed.reason ?? ''}"`}>${t('common.save')}</button>
    </form>
    ${p.alias ? postButton(rq, `${APP}/alias/delete`, t('dash.deleteAlias'), { allowed: await can(rq, 'iam:DeleteAccountAlias', '*'), danger: true }) : ''}
  </details>
</section>
<section class="card"><h2>${t('dash.resources')}</h2>
  ${summary.error ? html`<p class="reason">${errorText(rq, summary.error)}</p>` : ''}
  <ul class="counts">${count('Users', '/users', t('nav.users'))}${count('Groups', '/groups', t('nav.groups'))}${count('Roles', '/roles', t('nav.roles'))}${count('Policies', '/policies', t('dash.customerPolicies'))}</ul>
</section>
<section class="card"><h2>${t('dash.securityStatus')}</h2>
  <p id="status-summary">${t('dash.completed', { done, total: items.length })}</p>
  <ul class="checklist" id="checklist">${items.map(
    (i) => html`<li id="check-${i.id}" class="${i.done === undefined ? 'unknown' : i.done ? 'done' : 'todo'}" data-done="${String(i.done ?? 'unknown')}">
      <span class="mark" aria-hidden="true">${i.done === undefined ? '?' : i.done ? '✔' : '!'}</span>
      <span class="label">${i.label}</span>
      <span class="state">${i.done === undefined ? t('check.unknown') : i.done ? t('check.done') : t('check.todo')}</span>
      ${i.done ? '' : html`<a href="${i.link}">${i.fix}</a>`}</li>`,
  )}</ul>
</section>`;
  send(rq, 200, layout(rq, t('dash.title'), body, ''));
}

export async function postAlias(rq: Rq): Promise<void> {
  const alias = (rq.form.get('alias') ?? '').trim();
  try {
    const current = rq.principal!.alias;
    if (current && current !== alias) await call(rq, 'DeleteAccountAlias', { AccountAlias: current });
    if (current !== alias) await call(rq, 'CreateAccountAlias', { AccountAlias: alias });
  } catch (error) {
    return redirectWithError(rq, APP, error);
  }
  redirect(rq, `${APP}?ok=aliasSaved`);
}

export async function postDeleteAlias(rq: Rq): Promise<void> {
  try {
    if (rq.principal!.alias) await call(rq, 'DeleteAccountAlias', { AccountAlias: rq.principal!.alias });
  } catch (error) {
    return redirectWithError(rq, APP, error);
  }
  redirect(rq, `${APP}?ok=aliasDeleted`);
}
