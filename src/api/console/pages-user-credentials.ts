// A user's other credentials, as on the "Security credentials" tab of AWS's console: SSH public keys
// (for CodeCommit), service-specific credentials (CodeCommit and Keyspaces passwords, Bedrock and
// CloudWatch Logs API keys: the secret shown once, on the one-time page that creating or resetting
// one redirects to) and X.509 signing certificates. Every read and change through call() as the
// signed-in principal.
import { APP, call, csrfField, fmtDate, flash, postButton, redirect, redirectWithError, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { keepCredentials } from './pages-users.ts';
import { load, section } from './sections.ts';

const SERVICES = ['codecommit.amazonaws.com', 'cassandra.amazonaws.com', 'bedrock.amazonaws.com', 'logs.amazonaws.com'];

const pageOf = (name: string) => `${APP}/users/${encodeURIComponent(name)}/credentials`;

/** GET /users/NAME/credentials. */
export async function userCredentialsPage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name ?? '';
  const by = { UserName: name };
  const base = pageOf(name);
  const [ssh, ssc, certs] = await Promise.all([
    load(rq, async () => (await call(rq, 'ListSSHPublicKeys', by)).SSHPublicKeys ?? []),
    load(rq, async () => (await call(rq, 'ListServiceSpecificCredentials', by)).ServiceSpecificCredentials ?? []),
    load(rq, async () => (await call(rq, 'ListSigningCertificates', by)).Certificates ?? []),
  ]);
  const status = (s: string | undefined) => (s === 'Active' ? t('common.active') : t('common.inactive'));
  const toggle = (op: string, fields: Record<string, string>, current: string | undefined) =>
    postButton(rq, `${base}/${op}`, current === 'Active' ? t('common.disable') : t('common.enable'), {
      fields: { ...fields, status: current === 'Active' ? 'Inactive' : 'Active' },
    });
  const body = html`${flash(rq)}<nav class="tabs" aria-label="${name}"><a href="${APP}/users/${encodeURIComponent(name)}">${t('advisor.back')}</a></nav>
<section class="card" id="ssh-keys"><h2>${t('ucreds.ssh')}</h2>
${section(rq, t('ucreds.ssh'), ssh, (keys) =>
  keys.length === 0
    ? html`<p class="empty">${t('ucreds.none')}</p>`
    : html`<table class="list" id="ssh-table"><thead><tr><th scope="col">ID</th><th scope="col">${t('common.status')}</th><th scope="col">${t('ucreds.uploaded')}</th><th></th></tr></thead>
<tbody>${keys.map(
        (k) => html`<tr><td><code>${k.SSHPublicKeyId}</code></td><td>${status(k.Status)}</td><td>${fmtDate(rq, k.UploadDate)}</td>
<td>${toggle('ssh/status', { id: k.SSHPublicKeyId }, k.Status)} ${postButton(rq, `${base}/ssh/delete`, t('common.delete'), { fields: { id: k.SSHPublicKeyId }, danger: true })}</td></tr>`,
      )}</tbody></table>`,
)}
<form method="post" action="${base}/ssh/upload">${csrfField(rq)}
<label>${t('ucreds.sshBody')}<textarea name="body" id="ssh-body" rows="3" required></textarea></label>
<button type="submit" id="ssh-upload">${t('ucreds.upload')}</button></form></section>

<section class="card" id="service-credentials"><h2>${t('ucreds.ssc')}</h2>
${section(rq, t('ucreds.ssc'), ssc, (list) =>
  list.length === 0
    ? html`<p class="empty">${t('ucreds.none')}</p>`
    : html`<table class="list" id="ssc-table"><thead><tr><th scope="col">${t('ucreds.service')}</th><th scope="col">${t('ucreds.login')}</th><th scope="col">${t('common.status')}</th>\
<th scope="col">${t('users.created')}</th><th></th></tr></thead><tbody>${list.map(
        (c) => html`<tr><td>${c.ServiceName}</td><td><code>${c.ServiceUserName ?? c.ServiceCredentialAlias ?? ''}</code></td><td>${status(c.Status)}</td>\
<td>${fmtDate(rq, c.CreateDate)}</td><td>${toggle('ssc/status', { id: c.ServiceSpecificCredentialId }, c.Status)} \
${postButton(rq, `${base}/ssc/reset`, t('ucreds.reset'), { fields: { id: c.ServiceSpecificCredentialId } })} \
${postButton(rq, `${base}/ssc/delete`, t('common.delete'), { fields: { id: c.ServiceSpecificCredentialId }, danger: true })}</td></tr>`,
      )}</tbody></table>`,
)}
<form method="post" action="${base}/ssc/create">${csrfField(rq)}
<label>${t('ucreds.service')}<select name="service" id="ssc-service">${SERVICES.map((s) => html`<option value="${s}">${s}</option>`)}</select></label>
<button type="submit" id="ssc-create">${t('ucreds.generate')}</button></form></section>

<section class="card" id="signing-certificates"><h2>${t('ucreds.certs')}</h2>
${section(rq, t('ucreds.certs'), certs, (list) =>
  list.length === 0
    ? html`<p class="empty">${t('ucreds.none')}</p>`
    : html`<table class="list" id="cert-table"><thead><tr><th scope="col">ID</th><th scope="col">${t('common.status')}</th><th scope="col">${t('ucreds.uploaded')}</th><th></th></tr></thead>
<tbody>${list.map(
        (c) => html`<tr><td><code>${c.CertificateId}</code></td><td>${status(c.Status)}</td><td>${fmtDate(rq, c.UploadDate)}</td>
<td>${toggle('cert/status', { id: c.CertificateId }, c.Status)} ${postButton(rq, `${base}/cert/delete`, t('common.delete'), { fields: { id: c.CertificateId }, danger: true })}</td></tr>`,
      )}</tbody></table>`,
)}
<form method="post" action="${base}/cert/upload">${csrfField(rq)}
<label>${t('ucreds.certBody')}<textarea name="body" id="cert-body" rows="6" required></textarea></label>
<button type="submit" id="cert-upload">${t('ucreds.upload')}</button></form></section>`;
  send(rq, 200, layout(rq, `${name}: ${t('ucreds.title')}`, body, '/users'));
}

/** POST /users/NAME/credentials/(ssh|ssc|cert)/(…). */
export async function postUserCredentialsOp(rq: Rq, params: Record<string, string>): Promise<void> {
  const name = params.name ?? '';
  const base = pageOf(name);
  const f = rq.form;
  const id = f.get('id') ?? '';
  const status = f.get('status') === 'Active' ? 'Active' : 'Inactive';
  try {
    switch (params.op) {
      case 'ssh/upload':
        await call(rq, 'UploadSSHPublicKey', { UserName: name, SSHPublicKeyBody: f.get('body') ?? '' });
        break;
      case 'ssh/status':
        await call(rq, 'UpdateSSHPublicKey', { UserName: name, SSHPublicKeyId: id, Status: status });
        break;
      case 'ssh/delete':
        await call(rq, 'DeleteSSHPublicKey', { UserName: name, SSHPublicKeyId: id });
        break;
      case 'cert/upload':
        await call(rq, 'UploadSigningCertificate', { UserName: name, CertificateBody: f.get('body') ?? '' });
        break;
      case 'cert/status':
        await call(rq, 'UpdateSigningCertificate', { UserName: name, CertificateId: id, Status: status });
        break;
      case 'cert/delete':
        await call(rq, 'DeleteSigningCertificate', { UserName: name, CertificateId: id });
        break;
      case 'ssc/status':
        await call(rq, 'UpdateServiceSpecificCredential', { UserName: name, ServiceSpecificCredentialId: id, Status: status });
        break;
      case 'ssc/delete':
        await call(rq, 'DeleteServiceSpecificCredential', { UserName: name, ServiceSpecificCredentialId: id });
        break;
      case 'ssc/create':
      case 'ssc/reset': {
        const out =
          params.op === 'ssc/create'
            ? await call(rq, 'CreateServiceSpecificCredential', { UserName: name, ServiceName: f.get('service') ?? '' })
            : await call(rq, 'ResetServiceSpecificCredential', { UserName: name, ServiceSpecificCredentialId: id });
        const c = out.ServiceSpecificCredential;
        // The secret is in this answer and nowhere else: kept for its one page, which the browser
        // is sent to (redirect-after-POST), so that a reload never creates or resets another.
        const service = {
          name: c?.ServiceName ?? '',
          login: c?.ServiceUserName ?? c?.ServiceCredentialAlias ?? '',
          secret: c?.ServicePassword ?? c?.ServiceCredentialSecret ?? '',
        };
        return redirect(rq, await keepCredentials(rq, { title: rq.t('ucreds.ssc'), rows: [], closeTo: base, notes: [], service }));
      }
    }
  } catch (error) {
    return redirectWithError(rq, base, error);
  }
  redirect(rq, `${base}?ok=saved`);
}
