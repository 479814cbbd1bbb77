// Assigning a virtual MFA device (to an IAM user, or to the root user): the QR code and secret,
// shown once, then two consecutive codes.
import { APP, call, csrfField, redirect, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { listAll, read, type NewVirtualMfaDevice } from './outputs.ts';
import { back } from './pages-users.ts';

const base64Of = (v: Buffer | string) => (Buffer.isBuffer(v) ? v.toString('base64') : Buffer.from(String(v)).toString('base64'));
const textOf = (v: Buffer | string) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** GET /mfa-assign[?user=NAME]: creates a virtual device and shows its QR code (once). */
export async function mfaAssignPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const user = rq.url.searchParams.get('user') ?? (rq.principal!.kind === 'user' ? rq.principal!.displayName : undefined);
  const deviceName = user ?? 'root-account-mfa-device';
  const backTo = user ? `${APP}/users/${encodeURIComponent(user)}` : `${APP}/security-credentials`;
  let device: NewVirtualMfaDevice;
  try {
    // A device left unassigned by an earlier attempt is replaced.
    for (const d of await listAll(rq, 'ListVirtualMFADevices', { AssignmentStatus: 'Unassigned' })) {
      if (d.SerialNumber.endsWith(`:mfa/${deviceName}`)) await call(rq, 'DeleteVirtualMFADevice', { SerialNumber: d.SerialNumber });
    }
    device = (await read(rq, 'CreateVirtualMFADevice', { VirtualMFADeviceName: deviceName })).VirtualMFADevice;
  } catch (error) {
    return back(rq, backTo, error);
  }
  const body = html`<ol><li>${t('mfa.step1')}</li><li>${t('mfa.step2')}</li><li>${t('mfa.step3')}</li></ol>
<img class="qr" id="mfa-qr" alt="QR code" src="data:image/png;base64,${base64Of(device.QRCodePNG)}">
<details><summary>${t('mfa.showSecret')}</summary><code id="mfa-seed">${textOf(device.Base32StringSeed)}</code></details>
<form method="post" action="${APP}/mfa-assign">${csrfField(rq)}<input type="hidden" name="serial" value="${device.SerialNumber}">\
${user ? html`<input type="hidden" name="user" value="${user}">` : ''}
<label>${t('mfa.code1')}<input name="code1" id="mfa-code1" inputmode="numeric" maxlength="6" required></label>
<label>${t('mfa.code2')}<input name="code2" id="mfa-code2" inputmode="numeric" maxlength="6" required></label>
<div class="actions"><a class="button" href="${backTo}">${t('common.cancel')}</a>\
<button type="submit" class="primary" id="mfa-assign-submit">${t('mfa.assign')}</button></div></form>`;
  send(rq, 200, layout(rq, t('users.assignMfa'), body, user ? '/users' : '/security-credentials'));
}

export async function postMfaAssign(rq: Rq): Promise<void> {
  const f = rq.form;
  const user = f.get('user') ?? undefined;
  const backTo = user ? `${APP}/users/${encodeURIComponent(user)}` : `${APP}/security-credentials`;
  try {
    await call(rq, 'EnableMFADevice', {
      UserName: user,
      SerialNumber: f.get('serial') ?? '',
      AuthenticationCode1: f.get('code1') ?? '',
      AuthenticationCode2: f.get('code2') ?? '',
    });
  } catch (error) {
    return back(rq, backTo, error);
  }
  redirect(rq, `${backTo}?ok=mfaAssigned`);
}
