// Server certificates (IAM's certificate store for TLS, which AWS's console has no page for but the
// API serves): the list with expiry, an upload form (certificate, chain, private key: the key is
// sealed at rest and never shown again) and delete, through call() as the signed-in principal.
import { APP, call, csrfField, fmtDate, flash, postButton, redirect, redirectWithError, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { load, section } from './sections.ts';

export const SERVER_CERTIFICATES_PATH = '/server-certificates';
const PAGE = `${APP}${SERVER_CERTIFICATES_PATH}`;

export async function serverCertificatesPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const list = await load(rq, async () => {
    const out = [];
    let marker: string | undefined;
    do {
      const page = await call(rq, 'ListServerCertificates', { Marker: marker });
      out.push(...(page.ServerCertificateMetadataList ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return out;
  });
  const now = rq.facts.now.getTime();
  const body = html`${flash(rq)}<section class="card" id="server-certificates"><p class="hint">${t('servercert.intro')}</p>
${section(rq, t('servercert.title'), list, (certs) =>
  certs.length === 0
    ? html`<p class="empty" id="servercert-none">${t('servercert.none')}</p>`
    : html`<table class="list" id="servercert-table"><thead><tr><th scope="col">${t('servercert.name')}</th><th scope="col">${t('common.path')}</th>\
<th scope="col">${t('ucreds.uploaded')}</th><th scope="col">${t('servercert.expires')}</th><th></th></tr></thead><tbody>${certs.map(
        (c) => html`<tr><td title="${c.Arn}">${c.ServerCertificateName}</td><td>${c.Path}</td><td>${fmtDate(rq, c.UploadDate)}</td>\
<td class="${c.Expiration && c.Expiration.getTime() < now ? 'expired' : ''}">${fmtDate(rq, c.Expiration)}</td>\
<td>${postButton(rq, `${PAGE}/delete`, t('common.delete'), {
          fields: { name: c.ServerCertificateName },
          danger: true,
          confirm: t('servercert.deleteConfirm', { name: c.ServerCertificateName }),
        })}</td></tr>`,
      )}</tbody></table>`,
)}</section>
<section class="card" id="servercert-upload"><h2>${t('servercert.upload')}</h2>
<form method="post" action="${PAGE}/upload">${csrfField(rq)}
<label>${t('servercert.name')}<input name="name" id="servercert-name" required maxlength="128"></label>
<label>${t('common.path')}<input name="path" id="servercert-path" value="/" maxlength="512"></label>
<label>${t('servercert.body')}<textarea name="body" id="servercert-body" rows="6" required></textarea></label>
<label>${t('servercert.chain')}<textarea name="chain" id="servercert-chain" rows="4"></textarea></label>
<label>${t('servercert.key')}<textarea name="key" id="servercert-key" rows="6" required autocomplete="off"></textarea></label>
<button type="submit" class="primary" id="servercert-submit">${t('servercert.upload')}</button></form></section>`;
  send(rq, 200, layout(rq, t('servercert.title'), body, SERVER_CERTIFICATES_PATH));
}

/** POST /server-certificates/(upload|delete). */
export async function postServerCertificateOp(rq: Rq, params: Record<string, string>): Promise<void> {
  const f = rq.form;
  try {
    if (params.op === 'upload') {
      const chain = f.get('chain') ?? '';
      await call(rq, 'UploadServerCertificate', {
        ServerCertificateName: f.get('name') ?? '',
        Path: f.get('path') || undefined,
        CertificateBody: f.get('body') ?? '',
        PrivateKey: f.get('key') ?? '',
        CertificateChain: chain.trim() === '' ? undefined : chain,
      });
    } else {
      await call(rq, 'DeleteServerCertificate', { ServerCertificateName: f.get('name') ?? '' });
    }
  } catch (error) {
    return redirectWithError(rq, PAGE, error);
  }
  redirect(rq, `${PAGE}?ok=saved`);
}
