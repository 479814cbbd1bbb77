// The IAM dashboard: account id, the IAM users' sign-in link, alias, resource counts, and the
// security status checklist.
import { APP, PREFIX, call, can, flash, postButton, redirect, redirectWithError, send, csrfField, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { read } from './outputs.ts';
import { isMissing, load, reasonOf } from './sections.ts';
import { metricsBrief } from './dashboard-metrics.ts';

export function origin(rq: Rq): string {
  return `${rq.secure ? 'https' : 'http'}://${rq.req.headers.host ?? 'localhost'}`;
}

export function signInUrl(rq: Rq, ref: string): string {
  return `${origin(rq)}${PREFIX}/${ref}`;
}

interface CheckItem {
  id: string;
  /** Done, to do, or unknown (undefined: the lookup it needs failed, `reason` says why). */
  done: boolean | undefined;
  reason?: string;
  label: string;
  link: string;
  fix: string;
}

export async function dashboard(rq: Rq): Promise<void> {
  const t = rq.t;
  const p = rq.principal!;
  const [summary, policy, aliasAllowed] = await Promise.all([
    load(rq, () => read(rq, 'GetAccountSummary')),
    load(rq, () => read(rq, 'GetAccountPasswordPolicy')),
    can(rq, 'iam:CreateAccountAlias', '*'),
  ]);
  const s: Record<string, number> = summary.ok ? summary.value.SummaryMap : {};
  const idUrl = signInUrl(rq, p.accountId);
  const aliasUrl = p.alias ? signInUrl(rq, p.alias) : undefined;
  // No password policy is NoSuchEntity; any other failure leaves the item unknown, with its reason.
  const hasPolicy = policy.ok ? true : isMissing(policy) ? false : undefined;
  const fromSummary = (done: boolean) => (summary.ok ? done : undefined);
  const credentials = `${APP}/security-credentials`;
  const items: CheckItem[] = [
    { id: 'root-keys', done: fromSummary(s.AccountAccessKeysPresent === 0), label: t('check.rootKeys'), link: credentials, fix: t('check.rootKeysFix') },
    { id: 'root-mfa', done: fromSummary(s.AccountMFAEnabled === 1), label: t('check.rootMfa'), link: credentials, fix: t('check.rootMfaFix') },
    { id: 'users', done: fromSummary((s.Users ?? 0) > 0), label: t('check.users'), link: `${APP}/users`, fix: t('check.usersFix') },
    { id: 'groups', done: fromSummary((s.Groups ?? 0) > 0), label: t('check.groups'), link: `${APP}/groups`, fix: t('check.groupsFix') },
    {
      id: 'password-policy',
      done: hasPolicy,
      reason: hasPolicy === undefined ? reasonOf(policy) : undefined,
      label: t('check.passwordPolicy'),
      link: `${APP}/account-settings`,
      fix: t('check.passwordPolicyFix'),
    },
  ];
  const done = items.filter((i) => i.done).length;
  const count = (key: 'Users' | 'Groups' | 'Roles' | 'Policies', path: string, label: string): SafeHtml =>
    html`<li><a href="${APP}${path}"><span class="count" id="count-${key.toLowerCase()}">${summary.ok ? String(s[key] ?? 0) : '—'}</span> ${label}</a></li>`;
  const check = (i: CheckItem) => html`<li id="check-${i.id}" class="${i.done === undefined ? 'unknown' : i.done ? 'done' : 'todo'}" \
data-done="${String(i.done ?? 'unknown')}">
      <span class="mark" aria-hidden="true">${i.done === undefined ? '?' : i.done ? '✔' : '!'}</span>
      <span class="label">${i.label}</span>
      <span class="state">${i.done === undefined ? t('check.unknown') : i.done ? t('check.done') : t('check.todo')}</span>\
${i.reason ? html` <span class="reason">${i.reason}</span>` : ''}
      ${i.done ? '' : html`<a href="${i.link}">${i.fix}</a>`}</li>`;
  const aliasPattern = '[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?';
  const body = html`${flash(rq)}
<section class="card">
  <h2>${t('dash.signinLink')}</h2>
  <p class="hint">${t('dash.signinHint')}</p>
  <div class="copy-row"><code id="signin-url">${aliasUrl ?? idUrl}</code>\
<button type="button" class="copy" data-copy="${aliasUrl ?? idUrl}">${t('common.copy')}</button></div>
  ${aliasUrl ? html`<p class="hint">${t('dash.idUrlStillWorks')} <code id="signin-url-id">${idUrl}</code></p>` : ''}
  <dl class="facts"><dt>${t('dash.accountId')}</dt><dd id="account-id">${p.accountId}</dd><dt>${t('dash.alias')}</dt><dd id="alias">${p.alias ?? '—'}</dd></dl>
  <details><summary>${p.alias ? t('dash.editAlias') : t('dash.createAlias')}</summary>
    <form method="post" action="${APP}/alias">${csrfField(rq)}
      <label>${t('dash.alias')}\
<input name="alias" id="alias-input" value="${p.alias ?? ''}" pattern="${aliasPattern}" minlength="3" maxlength="63" required></label>
      <p class="hint">${t('dash.aliasHint')}</p>
      <button type="submit" id="alias-save"${aliasAllowed.allowed ? '' : html` disabled title="${aliasAllowed.reason ?? ''}"`}>${t('common.save')}</button>
    </form>
    ${p.alias ? postButton(rq, `${APP}/alias/delete`, t('dash.deleteAlias'), { allowed: await can(rq, 'iam:DeleteAccountAlias', '*'), danger: true }) : ''}
  </details>
</section>
<section class="card"><h2>${t('dash.resources')}</h2>
  ${summary.ok ? '' : html`<p class="reason">${summary.reason}</p>`}
  <ul class="counts">${count('Users', '/users', t('nav.users'))}${count('Groups', '/groups', t('nav.groups'))}${count('Roles', '/roles', t('nav.roles'))}\
${count('Policies', '/policies', t('dash.customerPolicies'))}</ul>
</section>
<section class="card"><h2>${t('dash.securityStatus')}</h2>
  <p id="status-summary">${t('dash.completed', { done, total: items.length })}</p>
  <ul class="checklist" id="checklist">${items.map(check)}</ul>
</section>
${(await metricsBrief(rq)) ?? ''}`;
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
