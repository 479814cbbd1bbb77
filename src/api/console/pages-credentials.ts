// My security credentials (the root user's; an IAM user's are on their user page): MFA devices
// and access keys.
import { APP, call, fmtDate, flash, postButton, redirect, send, setFlashError, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { keyStatusText } from './words.ts';
import { listAll, read } from './outputs.ts';
import { back, deleteVirtualDevice, showCredentials } from './pages-users.ts';
import { load, section } from './sections.ts';

/** My security credentials: my password, my access keys, my MFA (as far as my policies allow). */
export async function myCredentials(rq: Rq): Promise<void> {
  const t = rq.t;
  const p = rq.principal!;
  if (p.kind === 'user') return redirect(rq, `${APP}/users/${encodeURIComponent(p.displayName)}#security-credentials`);
  // A role session (signed in through an identity provider) has no credentials of its own to manage.
  if (p.kind === 'role') {
    const body = html`<section class="card" id="role-session"><p>${t('credentials.roleSession', { who: p.displayName })}</p></section>`;
    return send(rq, 200, layout(rq, t('nav.myCredentials'), body, '/security-credentials'));
  }
  const [keys, mfa] = await Promise.all([load(rq, () => listAll(rq, 'ListAccessKeys')), load(rq, () => listAll(rq, 'ListMFADevices'))]);
  const body = html`${flash(rq)}
<section class="card" id="root-mfa"><h2>${t('users.mfa')}</h2>
${section(
  rq,
  t('users.mfa'),
  mfa,
  (devices) =>
    html`<ul class="plain">${devices.map(
      (d) => html`<li><code>${d.SerialNumber}</code> ${fmtDate(rq, d.EnableDate)} \
${postButton(rq, `${APP}/security-credentials/mfa/remove`, t('common.remove'), { fields: { serial: d.SerialNumber }, danger: true })}</li>`,
    )}</ul>`,
)}
<a class="button" id="assign-root-mfa" href="${APP}/mfa-assign">${t('users.assignMfa')}</a>
<a class="button" id="add-passkey" href="${APP}/passkeys/new">${t('passkey.add')}</a></section>
<section class="card" id="root-keys"><h2>${t('users.accessKeys')}</h2><p class="warning">${t('my.rootKeysWarning')}</p>
${section(
  rq,
  t('users.accessKeys'),
  keys,
  (list) =>
    html`<table class="list"><tbody>${list.map(
      (k) => html`<tr><td><code>${k.AccessKeyId}</code></td><td>${keyStatusText(rq, k.Status)}</td><td>${fmtDate(rq, k.CreateDate)}</td>
<td>${postButton(rq, `${APP}/security-credentials/keys/delete`, t('common.delete'), {
        danger: true,
        fields: { key: k.AccessKeyId },
        confirm: t('users.deleteKeyConfirm'),
      })}</td></tr>`,
    )}</tbody></table>`,
)}
${postButton(rq, `${APP}/security-credentials/keys/create`, t('users.createKey'))}</section>`;
  send(rq, 200, layout(rq, t('nav.myCredentials'), body, '/security-credentials'));
}

export async function postMyCredentials(rq: Rq, params: Record<string, string>): Promise<void> {
  const to = `${APP}/security-credentials`;
  try {
    switch (params.op) {
      case 'keys/delete':
        await call(rq, 'DeleteAccessKey', { AccessKeyId: rq.form.get('key') ?? '' });
        return redirect(rq, `${to}?ok=saved`);
      case 'keys/create': {
        const key = (await read(rq, 'CreateAccessKey')).AccessKey;
        const issued = { userName: 'root', accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
        return showCredentials(rq, rq.t('users.createKey'), [issued], to);
      }
      case 'mfa/remove': {
        const serial = rq.form.get('serial') ?? '';
        await call(rq, 'DeactivateMFADevice', { SerialNumber: serial });
        const warning = await deleteVirtualDevice(rq, serial);
        if (warning) setFlashError(rq, to, warning);
        return redirect(rq, `${to}?ok=saved`);
      }
    }
  } catch (error) {
    return back(rq, to, error);
  }
}
