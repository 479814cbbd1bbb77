// Account settings: the account password policy (view, change, delete).
import type { PasswordPolicy } from '../../iam/password-policy.ts';
import { APP, call, can, csrfField, flash, postButton, redirect, redirectWithError, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import type { MessageKey } from './messages.ts';
import { read } from './outputs.ts';
import { isMissing, load, loaded, loadFailed, type Loaded } from './sections.ts';

type PolicyField = keyof PasswordPolicy;

const POLICY_FIELDS: { name: PolicyField; type: 'number' | 'bool'; min?: number; max?: number }[] = [
  { name: 'MinimumPasswordLength', type: 'number', min: 6, max: 128 },
  { name: 'RequireUppercaseCharacters', type: 'bool' },
  { name: 'RequireLowercaseCharacters', type: 'bool' },
  { name: 'RequireNumbers', type: 'bool' },
  { name: 'RequireSymbols', type: 'bool' },
  { name: 'AllowUsersToChangePassword', type: 'bool' },
  { name: 'MaxPasswordAge', type: 'number', min: 1, max: 1095 },
  { name: 'PasswordReusePrevention', type: 'number', min: 1, max: 24 },
  { name: 'HardExpiry', type: 'bool' },
];

/** The account password policy: undefined when there is none (NoSuchEntity); the reason when it could not be read. */
export async function readPasswordPolicy(rq: Rq): Promise<Loaded<PasswordPolicy | undefined>> {
  const got = await load(rq, async () => (await read(rq, 'GetAccountPasswordPolicy')).PasswordPolicy);
  return isMissing(got) ? loaded(undefined) : got;
}

export async function accountSettings(rq: Rq): Promise<void> {
  const t = rq.t;
  const policy = await readPasswordPolicy(rq);
  const current = policy.ok ? policy.value : undefined;
  const [canUpdate, canDelete] = await Promise.all([can(rq, 'iam:UpdateAccountPasswordPolicy', '*'), can(rq, 'iam:DeleteAccountPasswordPolicy', '*')]);
  const label = (f: PolicyField) => t(`pp.${f}` as MessageKey);
  const help = (f: PolicyField) => html`<p class="hint">${t(`pp.${f}.help` as MessageKey)}</p>`;
  const numberValue = (f: PolicyField) => {
    const v = current?.[f];
    return v !== undefined ? String(v) : f === 'MinimumPasswordLength' ? '8' : '';
  };
  const field = (f: (typeof POLICY_FIELDS)[number]) =>
    f.type === 'bool'
      ? html`<label class="check"><input type="checkbox" name="${f.name}" id="pp-${f.name}" value="1"${current?.[f.name] ? ' checked' : ''}> \
${label(f.name)}</label>${help(f.name)}`
      : html`<label>${label(f.name)}<input type="number" name="${f.name}" id="pp-${f.name}" min="${f.min ?? ''}" max="${f.max ?? ''}" \
value="${numberValue(f.name)}"></label>${help(f.name)}`;
  const body = html`${flash(rq)}${policy.ok ? '' : loadFailed(rq, t('settings.passwordPolicy'), policy.reason)}
<section class="card"><h2>${t('settings.passwordPolicy')}</h2>
<p id="policy-state">${current ? t('settings.policySet') : policy.ok ? t('settings.policyNotSet') : ''}</p>
<form method="post" action="${APP}/account-settings/password-policy" id="password-policy-form">${csrfField(rq)}
${POLICY_FIELDS.map(field)}
<button type="submit" class="primary" id="save-password-policy"${canUpdate.allowed ? '' : html` disabled title="${canUpdate.reason ?? ''}"`}>\
${t('settings.apply')}</button>
${canUpdate.allowed ? '' : html`<span class="reason">${canUpdate.reason ?? ''}</span>`}</form>
${current ? postButton(rq, `${APP}/account-settings/password-policy/delete`, t('settings.deletePolicy'), { allowed: canDelete, danger: true }) : ''}
</section>`;
  send(rq, 200, layout(rq, t('nav.accountSettings'), body, '/account-settings'));
}

export async function postPasswordPolicy(rq: Rq): Promise<void> {
  const input: Record<string, unknown> = {};
  for (const f of POLICY_FIELDS) {
    const v = rq.form.get(f.name);
    if (f.type === 'bool') input[f.name] = v === '1';
    else if (v) input[f.name] = v;
  }
  try {
    await call(rq, 'UpdateAccountPasswordPolicy', input);
  } catch (error) {
    return redirectWithError(rq, `${APP}/account-settings`, error);
  }
  redirect(rq, `${APP}/account-settings?ok=saved`);
}

export async function postDeletePasswordPolicy(rq: Rq): Promise<void> {
  try {
    await call(rq, 'DeleteAccountPasswordPolicy');
  } catch (error) {
    return redirectWithError(rq, `${APP}/account-settings`, error);
  }
  redirect(rq, `${APP}/account-settings?ok=saved`);
}
