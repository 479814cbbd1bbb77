// Identity providers, managed: every OIDC and SAML provider of the account in one table (created,
// deleted), and forms to add one, as AWS's console's "Identity providers" page does. The console
// sign-in settings of each OIDC provider (SSO) are pages-sso.ts's cards on the same page. All
// through call(): ListOpenIDConnectProviders, ListSAMLProviders, Create…/Delete… of each kind.
import { APP, call, csrfField, fmtDate, postButton, redirect, redirectWithError, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { load, section } from './sections.ts';

const IDP = `${APP}/identity-providers`;

/** The providers table and the add forms (shown above the OIDC providers' SSO settings). */
export async function identityProvidersManage(rq: Rq): Promise<SafeHtml> {
  const t = rq.t;
  const [oidc, saml] = await Promise.all([
    load(rq, async () => (await call(rq, 'ListOpenIDConnectProviders')).OpenIDConnectProviderList ?? []),
    load(rq, async () => (await call(rq, 'ListSAMLProviders')).SAMLProviderList ?? []),
  ]);
  const del = (arn: string, kind: 'oidc' | 'saml', i: number) =>
    postButton(rq, `${IDP}/delete`, t('common.delete'), {
      fields: { arn, kind },
      danger: true,
      confirm: t('idpm.deleteConfirm', { arn }),
      id: `idp-delete-${kind}-${i}`,
    });
  return html`<section class="card" id="idp-providers"><h2>${t('idpm.providers')}</h2>
${section(rq, 'OpenID Connect', oidc, (list) =>
  list.length === 0
    ? html`<p class="empty" id="idp-oidc-none">${t('idpm.noOidc')}</p>`
    : html`<table class="list" id="idp-oidc"><caption>OpenID Connect</caption><thead><tr><th>${t('common.arn')}</th><th></th></tr></thead><tbody>${list.map(
        (p, i) => html`<tr><td><code>${p.Arn ?? ''}</code></td><td>${del(p.Arn ?? '', 'oidc', i)}</td></tr>`,
      )}</tbody></table>`,
)}
${section(rq, 'SAML', saml, (list) =>
  list.length === 0
    ? html`<p class="empty" id="idp-saml-none">${t('idpm.noSaml')}</p>`
    : html`<table class="list" id="idp-saml"><caption>SAML</caption><thead><tr><th>${t('common.arn')}</th><th>${t('users.created')}</th>\
<th>${t('idpm.validUntil')}</th><th></th></tr></thead><tbody>${list.map(
        (p, i) =>
          html`<tr><td><code>${p.Arn ?? ''}</code></td><td>${fmtDate(rq, p.CreateDate)}</td><td>${fmtDate(rq, p.ValidUntil)}</td><td>${del(p.Arn ?? '', 'saml', i)}</td></tr>`,
      )}</tbody></table>`,
)}
<details id="idp-add-oidc"><summary>${t('idpm.addOidc')}</summary>
<form method="post" action="${IDP}/create-oidc">${csrfField(rq)}
<label>${t('idpm.url')}<input name="url" id="oidc-url" type="url" required placeholder="https://token.actions.githubusercontent.com"></label>
<label>${t('idpm.audiences')}<textarea name="clientIds" id="oidc-client-ids" rows="2" required></textarea></label>
<p class="hint">${t('idpm.audiencesHint')}</p>
<label>${t('idpm.thumbprints')}<input name="thumbprints" id="oidc-thumbprints" autocomplete="off"></label>
<button type="submit" class="primary" id="oidc-create">${t('idpm.add')}</button></form></details>
<details id="idp-add-saml"><summary>${t('idpm.addSaml')}</summary>
<form method="post" action="${IDP}/create-saml">${csrfField(rq)}
<label>${t('idpm.name')}<input name="name" id="saml-name" required maxlength="128"></label>
<label>${t('idpm.metadata')}<textarea name="metadata" id="saml-metadata" rows="6" required></textarea></label>
<button type="submit" class="primary" id="saml-create">${t('idpm.add')}</button></form></details>
</section>`;
}

const listOf = (text: string | null) =>
  (text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** POST /identity-providers/(create-oidc|create-saml|delete). */
export async function postIdentityProviderOp(rq: Rq, params: Record<string, string>): Promise<void> {
  const f = rq.form;
  try {
    switch (params.op) {
      case 'create-oidc': {
        const thumbprints = listOf(f.get('thumbprints'));
        await call(rq, 'CreateOpenIDConnectProvider', {
          Url: f.get('url') ?? '',
          ClientIDList: listOf(f.get('clientIds')),
          ThumbprintList: thumbprints.length > 0 ? thumbprints : undefined,
        });
        break;
      }
      case 'create-saml':
        await call(rq, 'CreateSAMLProvider', { Name: f.get('name') ?? '', SAMLMetadataDocument: f.get('metadata') ?? '' });
        break;
      case 'delete':
        if (f.get('kind') === 'saml') await call(rq, 'DeleteSAMLProvider', { SAMLProviderArn: f.get('arn') ?? '' });
        else await call(rq, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: f.get('arn') ?? '' });
        break;
    }
  } catch (error) {
    return redirectWithError(rq, IDP, error);
  }
  redirect(rq, `${IDP}?ok=saved`);
}
