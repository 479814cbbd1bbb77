// Sign-in (root or IAM user), the MFA step, the forced (or voluntary) password change, sign-out.
import { APP, PREFIX, call, errorText, notice, redirect, send, type Rq } from './core.ts';
import type { Console } from './console.ts';
import { html } from './html.ts';
import { bare, layout } from './layout.ts';
import { mfaSerialsOf, resolveAccount } from './signin.ts';
import { passkeyMfaBlock } from './pages-passkeys.ts';
import { passwordFingerprint } from './signin.ts';
import { passwordRules } from './password-rules.ts';
import { consoleProviders, SSO_START } from './sso.ts';
import type { PasswordPolicy } from '../../iam/password-policy.ts';
import { recordConsoleLogin, recordConsoleSignOut, recordPasswordSignIn } from '../../audit/console-events.ts';

const RESERVED = new Set(['iam', 'static', 'signin', 'signout', 'lang', 'api']);
export function isReservedSegment(s: string): boolean {
  return RESERVED.has(s);
}

export interface SignInOptions {
  error?: string;
  status?: number;
  kind?: string;
  name?: string;
}

export async function signInPage(rq: Rq, app: Console, account: string, opts: SignInOptions = {}): Promise<void> {
  if (rq.session?.stage === 'active' && !opts.error) return redirect(rq, APP);
  const pre = app.preToken(rq);
  const t = rq.t;
  const known = account ? await rq.deps.services.store.read((repo) => resolveAccount(repo, account)) : undefined;
  const shown = known ? (known.alias && account.toLowerCase() === known.alias ? known.alias : known.id) : account;
  // The identity providers an administrator enabled for this account's console sign-in.
  const providers = known ? await rq.deps.services.store.read((repo) => consoleProviders(repo, rq.deps.services.partition, known.id)) : [];
  const body = html`
${opts.error ? notice('error', opts.error) : ''}
<div class="signin-grid">
<section class="card" id="iam-signin">
  <h2>${t('signin.iamTitle')}</h2>
  <form method="post" action="${PREFIX}/signin" autocomplete="on">
    <input type="hidden" name="_pre" value="${pre}"><input type="hidden" name="kind" value="user">
    <label>${t('signin.account')}<input name="account" id="account" value="${shown}" required autocomplete="organization"></label>
    <label>${t('signin.userName')}\
<input name="name" id="username" value="${opts.kind === 'user' ? (opts.name ?? '') : ''}" required autocomplete="username" autocapitalize="none"></label>
    <label>${t('signin.password')}<input type="password" name="password" id="password" required autocomplete="current-password"></label>
    <button type="submit" class="primary" id="signin">${t('signin.submit')}</button>
  </form>
</section>
<section class="card" id="root-signin">
  <h2>${t('signin.rootTitle')}</h2>
  <p class="hint">${t('signin.rootHint')}</p>
  <form method="post" action="${PREFIX}/signin" autocomplete="on">
    <input type="hidden" name="_pre" value="${pre}"><input type="hidden" name="kind" value="root">
    <input type="hidden" name="account" value="${shown}">
    <label>${t('signin.email')}\
<input type="email" name="name" id="root-email" value="${opts.kind === 'root' ? (opts.name ?? '') : ''}" required autocomplete="username"></label>
    <label>${t('signin.password')}<input type="password" name="password" id="root-password" required autocomplete="current-password"></label>
    <button type="submit" class="primary" id="root-signin-submit">${t('signin.submit')}</button>
  </form>
</section>
${
  known && providers.length > 0
    ? html`<section class="card" id="sso-signin"><h2>${t('signin.ssoTitle')}</h2>${providers.map(
        (p, i) =>
          html`<p><a class="button primary" id="sso-${i}" href="${SSO_START}?account=${known.id}&provider=${encodeURIComponent(p.arn)}">${t('signin.ssoWith', { name: p.displayName })}</a></p>`,
      )}</section>`
    : ''
}
</div>`;
  send(rq, opts.status ?? 200, bare(rq, t('signin.title'), body));
}

export async function postSignIn(rq: Rq, app: Console): Promise<void> {
  const kind = rq.form.get('kind') === 'root' ? 'root' : 'user';
  const account = (rq.form.get('account') ?? '').trim();
  const name = (rq.form.get('name') ?? '').trim();
  const password = rq.form.get('password') ?? '';
  if (!app.checkPre(rq)) return signInPage(rq, app, account, { error: rq.t('signin.expired'), status: 403, kind, name });
  // Before any password work: one address cannot spend the server's CPU on guesses across accounts.
  if (!app.throttle.allowSignIn(rq.facts.sourceIp ?? '')) return signInPage(rq, app, account, { error: rq.t('signin.throttled'), status: 429, kind, name });
  // Root signs in with email alone on AWS; here the account comes with it (one iamd may hold several).
  const result = await rq.deps.signin.signIn({ account, kind, name, password });
  // The audit trail's ConsoleLogin (src/audit/console-events.ts); with MFA, the success is recorded once the code is checked.
  const recorded =
    result.ok && result.principal.mfaSerials.length > 0
      ? true
      : await recordPasswordSignIn(rq.deps.services.audit, {
          account,
          kind,
          name,
          partition: rq.deps.services.partition,
          facts: rq.facts,
          ok: result.ok,
          locked: !result.ok && result.reason === 'locked',
          ...(result.ok ? { accountId: result.principal.accountId, userId: result.principal.userId } : {}),
        });
  // A fail-closed trail that cannot record the sign-in refuses it.
  if (result.ok && !recorded) return signInPage(rq, app, account, { error: rq.t('signin.auditUnavailable'), status: 503, kind, name });
  if (!result.ok) {
    const minutes = Math.max(1, Math.ceil((result.retryAfterMs ?? 0) / 60000));
    const error = result.reason === 'locked' ? rq.t('signin.locked', { minutes }) : rq.t('signin.invalid');
    return signInPage(rq, app, account, { error, status: result.reason === 'locked' ? 429 : 401, kind, name });
  }
  const p = result.principal;
  const stage = p.mfaSerials.length > 0 ? 'mfa' : p.resetRequired ? 'reset' : 'active';
  await app.startSession(rq, { accountId: p.accountId, userId: p.userId, stage, passwordFp: p.passwordFp });
  return redirect(rq, stage === 'mfa' ? `${APP}/mfa` : stage === 'reset' ? `${APP}/change-password` : APP);
}

export async function mfaPage(rq: Rq, error?: string, status = error ? 401 : 200): Promise<void> {
  const t = rq.t;
  // A passkey or security key when the principal has one; the code form when it has a virtual device.
  const passkey = await passkeyMfaBlock(rq);
  const s = rq.session;
  const virtual =
    !passkey ||
    (s !== undefined && (await rq.deps.services.store.read((repo) => mfaSerialsOf(repo, s.account_id, s.user_id))).some((x) => !x.includes(':u2f/')));
  const body = html`${error ? notice('error', error) : ''}${passkey ?? ''}
${passkey && virtual ? html`<p>${t('passkey.orCode')}</p>` : virtual ? html`<p>${t('mfa.prompt')}</p>` : ''}
<form method="post" action="${APP}/mfa"${virtual ? '' : html` hidden`}><input type="hidden" name="_csrf" value="${rq.session?.csrf ?? ''}">
<label>${t('mfa.code')}<input name="code" id="mfa-code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required autocomplete="one-time-code"></label>
<button type="submit" class="primary" id="mfa-submit">${t('mfa.submit')}</button></form>
<form method="post" action="${PREFIX}/signout"><input type="hidden" name="_csrf" value="${rq.session?.csrf ?? ''}">\
<button class="link" type="submit">${t('common.cancel')}</button></form>`;
  send(rq, status, bare(rq, t('mfa.title'), body));
}

export async function postMfa(rq: Rq, app: Console): Promise<void> {
  const s = rq.session!;
  const throttle = rq.deps.signin.throttleKey(s.account_id, s.user_id === null ? 'root-mfa' : 'user-mfa', s.user_id ?? 'root');
  const outcome = await rq.deps.signin.verifyMfa(s.account_id, s.user_id, rq.form.get('code') ?? '', throttle);
  const recorded = await recordConsoleLogin(rq.deps.services.audit, {
    accountId: s.account_id,
    partition: rq.deps.services.partition,
    kind: s.user_id === null ? 'root' : 'user',
    name: s.user_id === null ? 'root' : ((await rq.deps.services.store.read((repo) => repo.getEntityById(s.user_id!)))?.name ?? ''),
    userId: s.user_id,
    facts: rq.facts,
    ok: outcome === 'ok',
    mfaUsed: true,
    ...(outcome === 'ok' ? {} : { reason: outcome === 'locked' ? 'Locked: too many failed attempts' : 'MFA code not valid' }),
  });
  if (outcome !== 'ok') return mfaPage(rq, outcome === 'locked' ? rq.t('signin.locked', { minutes: 1 }) : rq.t('mfa.invalid'));
  if (!recorded) return mfaPage(rq, rq.t('signin.auditUnavailable'), 503);
  const resetRequired = s.user_id !== null && (await rq.deps.services.store.read((repo) => repo.getLoginProfile(s.user_id!)))?.reset_required === 1;
  const stage = resetRequired ? 'reset' : 'active';
  await app.startSession(rq, { accountId: s.account_id, userId: s.user_id, stage, passwordFp: s.password_fp, mfaAt: rq.facts.now });
  return redirect(rq, stage === 'reset' ? `${APP}/change-password` : APP);
}

export async function changePasswordPage(rq: Rq, error?: string): Promise<void> {
  const t = rq.t;
  const forced = rq.session?.stage === 'reset';
  if (rq.principal?.kind === 'root') return redirect(rq, `${APP}/security-credentials`);
  const policy = (await rq.deps.services.store.read((repo) => repo.getPasswordPolicy(rq.session!.account_id))) as PasswordPolicy | undefined;
  const rules = passwordRules(rq, policy);
  const body = html`${error ? notice('error', error) : ''}
${forced ? html`<p id="forced-reset">${t('password.forced')}</p>` : ''}
<p>${t('password.forAccount', { user: rq.principal?.displayName ?? '', account: rq.session!.account_id })}</p>
<form method="post" action="${APP}/change-password"><input type="hidden" name="_csrf" value="${rq.session?.csrf ?? ''}">
<label>${t('password.old')}<input type="password" name="old" id="old-password" required autocomplete="current-password"></label>
<label>${t('password.new')}<input type="password" name="new" id="new-password" required autocomplete="new-password" data-password-rules></label>
<label>${t('password.confirm')}<input type="password" name="confirm" id="confirm-password" required autocomplete="new-password"></label>
<ul class="rules">${rules.map((r) => html`<li>${r}</li>`)}</ul>
<button type="submit" class="primary" id="change-password">${t('password.submit')}</button></form>`;
  send(rq, error ? 400 : 200, forced ? bare(rq, t('password.title'), body) : layout(rq, t('password.title'), body, '/security-credentials'));
}

export async function postChangePassword(rq: Rq, app: Console): Promise<void> {
  const p = rq.principal;
  if (p?.kind !== 'user') return redirect(rq, APP);
  const oldPassword = rq.form.get('old') ?? '';
  const newPassword = rq.form.get('new') ?? '';
  if (newPassword !== (rq.form.get('confirm') ?? '')) return changePasswordPage(rq, rq.t('password.mismatch'));
  try {
    await call(rq, 'ChangePassword', { OldPassword: oldPassword, NewPassword: newPassword });
  } catch (error) {
    return changePasswordPage(rq, errorText(rq, error));
  }
  // The password changed: every session of this user ends, and this one is renewed.
  const profile = await rq.deps.services.store.read((repo) => repo.getLoginProfile(p.userId!));
  const mfaAt = rq.session?.mfa_at ? new Date(rq.session.mfa_at) : undefined;
  await app.endSession(rq, false);
  await app.endSessionsOf(p.accountId, p.userId);
  await app.startSession(rq, { accountId: p.accountId, userId: p.userId, stage: 'active', passwordFp: passwordFingerprint(profile!.password_hash), mfaAt });
  return redirect(rq, `${APP}?ok=passwordChanged`);
}

export async function signOut(rq: Rq, app: Console): Promise<void> {
  const accountId = rq.session?.account_id;
  if (rq.principal)
    await recordConsoleSignOut(rq.deps.services.audit, {
      accountId: rq.principal.accountId,
      partition: rq.deps.services.partition,
      kind: rq.principal.kind,
      name: rq.principal.displayName,
      userId: rq.principal.userId,
      facts: rq.facts,
      caller: rq.principal.caller,
    });
  await app.endSession(rq);
  return redirect(rq, accountId ? `${PREFIX}/${accountId}` : `${PREFIX}/`);
}
