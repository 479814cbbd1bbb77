// Account settings (password policy), my security credentials, MFA assignment, policies, the
// policy validator endpoint, inline policies, and pages whose API is still being written.
import { parsePolicy } from '../../policy/index.ts';
import { unknownActionWarnings } from '../../catalog/iam-actions.ts';
import { awsManagedPolicy } from '../../catalog/aws-managed-policies.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { APP, badJson, call, can, csrfField, errorText, flash, fmtDate, jsonObject, notice, postButton, redirect, send, type Rq } from './core.ts';
import type { Console } from './console.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { back, credentialsPage, listAll } from './pages-users.ts';
import type { MessageKey } from './messages.ts';

const POLICY_FIELDS: { name: string; type: 'number' | 'bool'; min?: number; max?: number }[] = [
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

export async function accountSettings(rq: Rq): Promise<void> {
  const t = rq.t;
  let current: Record<string, unknown> | undefined;
  let readError: string | undefined;
  try {
    current = (await call(rq, 'GetAccountPasswordPolicy')).PasswordPolicy;
  } catch (error) {
    if (!(error instanceof AwsError && error.code === 'NoSuchEntity')) readError = errorText(rq, error);
  }
  const [canUpdate, canDelete] = await Promise.all([can(rq, 'iam:UpdateAccountPasswordPolicy', '*'), can(rq, 'iam:DeleteAccountPasswordPolicy', '*')]);
  const body = html`${flash(rq)}${readError ? notice('error', readError) : ''}
<section class="card"><h2>${t('settings.passwordPolicy')}</h2>
<p id="policy-state">${current ? t('settings.policySet') : t('settings.policyNotSet')}</p>
<form method="post" action="${APP}/account-settings/password-policy" id="password-policy-form">${csrfField(rq)}
${POLICY_FIELDS.map((f) =>
  f.type === 'bool'
    ? html`<label class="check"><input type="checkbox" name="${f.name}" id="pp-${f.name}" value="1"${current?.[f.name] ? ' checked' : ''}> ${t(`pp.${f.name}` as MessageKey)}</label><p class="hint">${t(`pp.${f.name}.help` as MessageKey)}</p>`
    : html`<label>${t(`pp.${f.name}` as MessageKey)}<input type="number" name="${f.name}" id="pp-${f.name}" min="${f.min ?? ''}" max="${f.max ?? ''}" value="${current?.[f.name] !== undefined ? String(current[f.name]) : f.name === 'MinimumPasswordLength' ? '8' : ''}"></label><p class="hint">${t(`pp.${f.name}.help` as MessageKey)}</p>`,
)}
<button type="submit" class="primary" id="save-password-policy"${canUpdate.allowed ? '' : html` disabled title="${canUpdate.reason ?? ''}"`}>${t('settings.apply')}</button>
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
    return back(rq, `${APP}/account-settings`, error);
  }
  redirect(rq, `${APP}/account-settings?ok=saved`);
}

export async function postDeletePasswordPolicy(rq: Rq): Promise<void> {
  try {
    await call(rq, 'DeleteAccountPasswordPolicy');
  } catch (error) {
    return back(rq, `${APP}/account-settings`, error);
  }
  redirect(rq, `${APP}/account-settings?ok=saved`);
}

/** My security credentials: my password, my access keys, my MFA (as far as my policies allow). */
export async function myCredentials(rq: Rq): Promise<void> {
  const t = rq.t;
  const p = rq.principal!;
  if (p.kind === 'user') return redirect(rq, `${APP}/users/${encodeURIComponent(p.displayName)}#security-credentials`);
  const keys = await call(rq, 'ListAccessKeys').catch(() => ({ AccessKeyMetadata: [] }));
  const mfa = await call(rq, 'ListMFADevices').catch(() => ({ MFADevices: [] }));
  const body = html`${flash(rq)}
<section class="card" id="root-mfa"><h2>${t('users.mfa')}</h2>
<ul class="plain">${(mfa.MFADevices as any[]).map((d) => html`<li><code>${d.SerialNumber}</code> ${fmtDate(rq, d.EnableDate)} ${postButton(rq, `${APP}/security-credentials/mfa/remove`, t('common.remove'), { fields: { serial: d.SerialNumber }, danger: true })}</li>`)}</ul>
<a class="button" id="assign-root-mfa" href="${APP}/mfa-assign">${t('users.assignMfa')}</a></section>
<section class="card" id="root-keys"><h2>${t('users.accessKeys')}</h2><p class="warning">${t('my.rootKeysWarning')}</p>
<table class="list"><tbody>${(keys.AccessKeyMetadata as any[]).map((k) => html`<tr><td><code>${k.AccessKeyId}</code></td><td>${k.Status}</td><td>${fmtDate(rq, k.CreateDate)}</td>
<td>${postButton(rq, `${APP}/security-credentials/keys/delete`, t('common.delete'), { danger: true, fields: { key: k.AccessKeyId }, confirm: t('users.deleteKeyConfirm') })}</td></tr>`)}</tbody></table>
${postButton(rq, `${APP}/security-credentials/keys/create`, t('users.createKey'))}</section>`;
  send(rq, 200, layout(rq, t('nav.myCredentials'), body, '/security-credentials'));
}

export async function postMyCredentials(rq: Rq, params: Record<string, string>, app: Console): Promise<void> {
  const to = `${APP}/security-credentials`;
  try {
    switch (params.op) {
      case 'keys/delete':
        await call(rq, 'DeleteAccessKey', { AccessKeyId: rq.form.get('key') ?? '' });
        return redirect(rq, `${to}?ok=saved`);
      case 'keys/create': {
        const key = (await call(rq, 'CreateAccessKey')).AccessKey;
        return credentialsPage(rq, app, rq.t('users.createKey'), [{ userName: 'root', accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }], to);
      }
      case 'mfa/remove':
        await call(rq, 'DeactivateMFADevice', { SerialNumber: rq.form.get('serial') ?? '' });
        await call(rq, 'DeleteVirtualMFADevice', { SerialNumber: rq.form.get('serial') ?? '' }).catch(() => undefined);
        return redirect(rq, `${to}?ok=saved`);
    }
  } catch (error) {
    return back(rq, to, error);
  }
}

/** GET /mfa-assign[?user=NAME]: creates a virtual device and shows its QR code (once). */
export async function mfaAssignPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const user = rq.url.searchParams.get('user') ?? (rq.principal!.kind === 'user' ? rq.principal!.displayName : undefined);
  const deviceName = user ?? 'root-account-mfa-device';
  const backTo = user ? `${APP}/users/${encodeURIComponent(user)}` : `${APP}/security-credentials`;
  let device: any;
  try {
    // A device left unassigned by an earlier attempt is replaced.
    const existing = (await call(rq, 'ListVirtualMFADevices', { AssignmentStatus: 'Unassigned' })).VirtualMFADevices as any[];
    for (const d of existing) if (String(d.SerialNumber).endsWith(`:mfa/${deviceName}`)) await call(rq, 'DeleteVirtualMFADevice', { SerialNumber: d.SerialNumber });
    device = (await call(rq, 'CreateVirtualMFADevice', { VirtualMFADeviceName: deviceName })).VirtualMFADevice;
  } catch (error) {
    return back(rq, backTo, error);
  }
  const png = Buffer.isBuffer(device.QRCodePNG) ? device.QRCodePNG.toString('base64') : Buffer.from(String(device.QRCodePNG)).toString('base64');
  const seed = Buffer.isBuffer(device.Base32StringSeed) ? device.Base32StringSeed.toString('utf8') : String(device.Base32StringSeed);
  const body = html`<ol><li>${t('mfa.step1')}</li><li>${t('mfa.step2')}</li><li>${t('mfa.step3')}</li></ol>
<img class="qr" id="mfa-qr" alt="QR code" src="data:image/png;base64,${png}">
<details><summary>${t('mfa.showSecret')}</summary><code id="mfa-seed">${seed}</code></details>
<form method="post" action="${APP}/mfa-assign">${csrfField(rq)}<input type="hidden" name="serial" value="${device.SerialNumber}">${user ? html`<input type="hidden" name="user" value="${user}">` : ''}
<label>${t('mfa.code1')}<input name="code1" id="mfa-code1" inputmode="numeric" maxlength="6" required></label>
<label>${t('mfa.code2')}<input name="code2" id="mfa-code2" inputmode="numeric" maxlength="6" required></label>
<div class="actions"><a class="button" href="${backTo}">${t('common.cancel')}</a><button type="submit" class="primary" id="mfa-assign-submit">${t('mfa.assign')}</button></div></form>`;
  send(rq, 200, layout(rq, t('users.assignMfa'), body, user ? '/users' : '/security-credentials'));
}

export async function postMfaAssign(rq: Rq): Promise<void> {
  const user = rq.form.get('user') ?? undefined;
  const backTo = user ? `${APP}/users/${encodeURIComponent(user)}` : `${APP}/security-credentials`;
  try {
    await call(rq, 'EnableMFADevice', { UserName: user, SerialNumber: rq.form.get('serial') ?? '', AuthenticationCode1: rq.form.get('code1') ?? '', AuthenticationCode2: rq.form.get('code2') ?? '' });
  } catch (error) {
    return back(rq, backTo, error);
  }
  redirect(rq, `${backTo}?ok=mfaAssigned`);
}

/** POST /console/api/validate-policy {document, kind}: iamd's own findings, as you type. */
export async function validatePolicy(rq: Rq): Promise<void> {
  const body: { document?: unknown; kind?: unknown } | undefined = jsonObject(rq);
  if (!body) return badJson(rq);
  const kind = body.kind === 'trust' ? 'trust' : body.kind === 'resource' ? 'resource' : 'identity';
  const result = parsePolicy(typeof body.document === 'string' ? body.document : '', kind, { partition: rq.deps.services.partition });
  // A valid document also gets warnings for actions that no AWS service defines.
  const findings = result.document ? [...result.findings, ...(await unknownActionWarnings(result.document))] : result.findings;
  send(rq, 200, JSON.stringify({ valid: !findings.some((f) => f.severity === 'error'), findings }), 'application/json');
}

export function policyEditor(rq: Rq, name: string, value: string, kind = 'identity'): SafeHtml {
  return html`<label>${rq.t('policies.document')}<textarea name="${name}" id="policy-document" rows="18" spellcheck="false" data-policy-editor="${kind}">${value}</textarea></label>
<ul class="findings" id="policy-findings" aria-live="polite"></ul>`;
}

const EMPTY_POLICY = '{\n    "Version": "2012-10-17",\n    "Statement": [\n        {\n            "Effect": "Allow",\n            "Action": "",\n            "Resource": "*"\n        }\n    ]\n}';

export async function policiesList(rq: Rq): Promise<void> {
  const t = rq.t;
  const q = (rq.url.searchParams.get('q') ?? '').toLowerCase();
  const scope = rq.url.searchParams.get('scope') === 'AWS' ? 'AWS' : 'Local';
  let rows: SafeHtml;
  try {
    const all = await listAll(rq, 'ListPolicies', 'Policies', { Scope: scope });
    const shown = all.filter((p) => !q || String(p.PolicyName).toLowerCase().includes(q)).slice(0, 500);
    rows = html`<table class="list" id="policies-table"><thead><tr><th>${t('policies.name')}</th><th>${t('policies.attachments')}</th><th>${t('policies.description')}</th></tr></thead><tbody>
${shown.map((p) => html`<tr><td><a href="${APP}/policies/view?arn=${encodeURIComponent(p.Arn)}">${p.PolicyName}</a></td><td>${String(p.AttachmentCount ?? 0)}</td><td>${p.Description ?? ''}</td></tr>`)}</tbody></table>`;
  } catch (error) {
    rows = notice('error', errorText(rq, error));
  }
  send(rq, 200, layout(rq, t('nav.policies'), html`${flash(rq)}<div class="toolbar"><a class="button primary" id="create-policy" href="${APP}/policies/new">${t('policies.create')}</a>
<a class="button${scope === 'Local' ? ' active' : ''}" href="${APP}/policies?scope=Local">${t('policies.customerManaged')}</a><a class="button${scope === 'AWS' ? ' active' : ''}" href="${APP}/policies?scope=AWS">${t('policies.awsManaged')}</a>
<form method="get" class="search"><input type="hidden" name="scope" value="${scope}"><input type="search" name="q" value="${q}" aria-label="${t('common.search')}"><button>${t('common.search')}</button></form></div>${rows}`, '/policies'));
}

export async function policyView(rq: Rq): Promise<void> {
  const t = rq.t;
  const arn = rq.url.searchParams.get('arn') ?? '';
  let policy: any;
  let versions: any[] = [];
  let document = '';
  try {
    policy = (await call(rq, 'GetPolicy', { PolicyArn: arn })).Policy;
    versions = (await call(rq, 'ListPolicyVersions', { PolicyArn: arn })).Versions ?? [];
    const v = (await call(rq, 'GetPolicyVersion', { PolicyArn: arn, VersionId: policy.DefaultVersionId })).PolicyVersion;
    document = decodeURIComponent(String(v.Document));
  } catch (error) {
    const managed = awsManagedPolicy(arn);
    if (!managed) return send(rq, 404, layout(rq, arn, notice('error', errorText(rq, error)), '/policies'));
    policy = { PolicyName: managed.name, Arn: managed.arn, DefaultVersionId: managed.defaultVersionId };
    document = managed.document;
  }
  let pretty = document;
  try {
    pretty = JSON.stringify(JSON.parse(document), null, 4);
  } catch {
    /* shown as stored */
  }
  const local = !String(arn).includes(':aws:policy/');
  const body = html`${flash(rq)}<dl class="facts"><dt>${t('common.arn')}</dt><dd><code>${policy.Arn}</code></dd><dt>${t('policies.defaultVersion')}</dt><dd>${policy.DefaultVersionId}</dd></dl>
<pre class="json" id="policy-json">${pretty}</pre>
${local ? html`<section class="card"><h2>${t('policies.edit')}</h2><form method="post" action="${APP}/policies/version">${csrfField(rq)}<input type="hidden" name="arn" value="${arn}">${policyEditor(rq, 'document', pretty)}<label class="check"><input type="checkbox" name="setDefault" value="1" checked> ${t('policies.setDefault')}</label><button class="primary" type="submit">${t('common.save')}</button></form></section>
<section class="card"><h2>${t('policies.versions')}</h2><table class="list"><tbody>${versions.map((v) => html`<tr><td>${v.VersionId}${v.IsDefaultVersion ? html` <span class="tag">${t('policies.default')}</span>` : ''}</td><td>${fmtDate(rq, v.CreateDate)}</td><td>${v.IsDefaultVersion ? '' : html`${postButton(rq, `${APP}/policies/version/default`, t('policies.setDefault'), { fields: { arn, version: v.VersionId } })}${postButton(rq, `${APP}/policies/version/delete`, t('common.delete'), { fields: { arn, version: v.VersionId }, danger: true })}`}</td></tr>`)}</tbody></table></section>` : ''}`;
  send(rq, 200, layout(rq, policy.PolicyName, body, '/policies'));
}

export async function newPolicyPage(rq: Rq, error?: string): Promise<void> {
  const t = rq.t;
  const body = html`${error ? notice('error', error) : ''}<form method="post" action="${APP}/policies/new">${csrfField(rq)}
<label>${t('policies.name')}<input name="name" id="policy-name" value="${rq.form.get('name') ?? ''}" maxlength="128" data-validate-name="128" required><span class="field-error" aria-live="polite"></span></label>
<label>${t('policies.description')}<input name="description" value="${rq.form.get('description') ?? ''}" maxlength="1000"></label>
${policyEditor(rq, 'document', rq.form.get('document') ?? EMPTY_POLICY)}
<div class="actions"><a class="button" href="${APP}/policies">${t('common.cancel')}</a><button type="submit" class="primary" id="create-policy-submit">${t('policies.create')}</button></div></form>`;
  send(rq, error ? 400 : 200, layout(rq, t('policies.create'), body, '/policies'));
}

export async function postNewPolicy(rq: Rq): Promise<void> {
  try {
    const r = await call(rq, 'CreatePolicy', { PolicyName: rq.form.get('name') ?? '', Description: rq.form.get('description') || undefined, PolicyDocument: rq.form.get('document') ?? '' });
    redirect(rq, `${APP}/policies/view?arn=${encodeURIComponent(r.Policy.Arn)}&ok=saved`);
  } catch (error) {
    return newPolicyPage(rq, errorText(rq, error));
  }
}

export async function postPolicyVersion(rq: Rq, params: Record<string, string>): Promise<void> {
  const arn = rq.form.get('arn') ?? '';
  const to = `${APP}/policies/view?arn=${encodeURIComponent(arn)}`;
  try {
    if (params.op === 'default') await call(rq, 'SetDefaultPolicyVersion', { PolicyArn: arn, VersionId: rq.form.get('version') ?? '' });
    else if (params.op === 'delete') await call(rq, 'DeletePolicyVersion', { PolicyArn: arn, VersionId: rq.form.get('version') ?? '' });
    else await call(rq, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: rq.form.get('document') ?? '', SetAsDefault: rq.form.get('setDefault') === '1' });
  } catch (error) {
    return back(rq, to, error);
  }
  redirect(rq, `${to}&ok=saved`);
}

const INLINE: Record<string, { key: string; get: string; put: string; del: string; page: string }> = {
  user: { key: 'UserName', get: 'GetUserPolicy', put: 'PutUserPolicy', del: 'DeleteUserPolicy', page: 'users' },
  group: { key: 'GroupName', get: 'GetGroupPolicy', put: 'PutGroupPolicy', del: 'DeleteGroupPolicy', page: 'groups' },
  role: { key: 'RoleName', get: 'GetRolePolicy', put: 'PutRolePolicy', del: 'DeleteRolePolicy', page: 'roles' },
};

/** GET /inline?kind=&name=[&policy=]: view/edit or add an inline policy. */
export async function inlinePage(rq: Rq): Promise<void> {
  const t = rq.t;
  const kind = rq.url.searchParams.get('kind') ?? '';
  const name = rq.url.searchParams.get('name') ?? '';
  const policyName = rq.url.searchParams.get('policy') ?? '';
  const spec = Object.hasOwn(INLINE, kind) ? INLINE[kind] : undefined;
  if (!spec) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  let doc = EMPTY_POLICY;
  if (policyName) {
    try {
      doc = JSON.stringify(JSON.parse(decodeURIComponent((await call(rq, spec.get, { [spec.key]: name, PolicyName: policyName })).PolicyDocument)), null, 4);
    } catch (error) {
      return back(rq, `${APP}/${spec.page}/${encodeURIComponent(name)}`, error);
    }
  }
  const body = html`${flash(rq)}<form method="post" action="${APP}/inline">${csrfField(rq)}<input type="hidden" name="kind" value="${kind}"><input type="hidden" name="name" value="${name}">
<label>${t('policies.name')}<input name="policy" value="${policyName}" required maxlength="128"${policyName ? ' readonly' : ''}></label>${policyEditor(rq, 'document', doc)}
<div class="actions"><a class="button" href="${APP}/${spec.page}/${encodeURIComponent(name)}">${t('common.cancel')}</a><button type="submit" class="primary">${t('common.save')}</button></div></form>
${policyName ? postButton(rq, `${APP}/inline/delete`, t('common.delete'), { fields: { kind, name, policy: policyName }, danger: true }) : ''}`;
  send(rq, 200, layout(rq, `${t('users.inlinePolicies')}: ${name}`, body, `/${spec.page}`));
}

export async function postInline(rq: Rq, params: Record<string, string>): Promise<void> {
  const kind = rq.form.get('kind') ?? '';
  const name = rq.form.get('name') ?? '';
  const spec = Object.hasOwn(INLINE, kind) ? INLINE[kind] : undefined;
  if (!spec) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const to = `${APP}/${spec.page}/${encodeURIComponent(name)}`;
  try {
    if (params.op === 'delete') await call(rq, spec.del, { [spec.key]: name, PolicyName: rq.form.get('policy') ?? '' });
    else await call(rq, spec.put, { [spec.key]: name, PolicyName: rq.form.get('policy') ?? '', PolicyDocument: rq.form.get('document') ?? '' });
  } catch (error) {
    return back(rq, to, error);
  }
  redirect(rq, `${to}?ok=saved`);
}

/** Pages whose API actions other engineers are still adding: say so, in both languages. */
export async function pendingPage(rq: Rq, titleKey: MessageKey, active: string, actions: string[]): Promise<void> {
  const missing = actions.filter((a) => !rq.deps.invoker.has(a));
  send(rq, 200, layout(rq, rq.t(titleKey), html`<p class="reason">${rq.t('common.notYet', { action: missing.join(', ') })}</p>`, active));
}
