// Identity providers: the account's IAM OIDC providers (ListOpenIDConnectProviders,
// GetOpenIDConnectProvider) and, for each, console sign-in through it (iamd's
// GetOpenIDConnectProviderConsoleSignIn / UpdateOpenIDConnectProviderConsoleSignIn), all called as
// the signed-in principal through the one dispatch. The client secret is typed here and never
// shown again: the page only says whether one is stored.
import { APP, call, csrfField, flash, redirect, redirectWithError, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { load, section } from './sections.ts';
import { callbackUrl } from './sso.ts';
import { identityProvidersManage } from './pages-identity-providers.ts';

export const IDP_PATH = '/identity-providers';

export async function identityProvidersPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const list = await load(rq, async () => (await call(rq, 'ListOpenIDConnectProviders')).OpenIDConnectProviderList ?? []);
  const providers = list.ok
    ? await Promise.all(
        list.value.map(async (entry) => {
          const arn = entry.Arn ?? '';
          const [provider, signIn] = await Promise.all([
            load(rq, () => call(rq, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn })),
            load(rq, () => call(rq, 'GetOpenIDConnectProviderConsoleSignIn', { OpenIDConnectProviderArn: arn }, 'iamd')),
          ]);
          return { arn, provider, signIn };
        }),
      )
    : [];
  const card = (p: (typeof providers)[number], i: number) => {
    const clientIds = p.provider.ok ? (p.provider.value.ClientIDList ?? []) : [];
    const current = p.signIn.ok ? p.signIn.value : undefined;
    const enabled = current?.Enabled === true;
    return html`<section class="card idp" id="idp-${i}" data-arn="${p.arn}"><h2>${p.provider.ok ? (p.provider.value.Url ?? p.arn) : p.arn}</h2>
<p class="hint"><code>${p.arn}</code></p>
${section(rq, t('idp.provider'), p.provider, (v) => html`<p>${t('idp.clientIds')}: ${(v.ClientIDList ?? []).map((c) => html`<code>${c}</code> `)}</p>`)}
${section(
  rq,
  t('idp.consoleSignIn'),
  p.signIn,
  (s) =>
    html`<p class="idp-state" id="idp-state-${i}">${
      s.Enabled
        ? t('idp.enabledAs', { name: s.DisplayName ?? '', client: s.ClientId ?? '' }) + (s.ClientSecretSet ? ` ${t('idp.secretStored')}` : '')
        : t('idp.notEnabled')
    }</p>`,
)}
<form method="post" action="${APP}${IDP_PATH}/console-sign-in" id="idp-form-${i}">${csrfField(rq)}
<input type="hidden" name="arn" value="${p.arn}"><input type="hidden" name="op" value="enable">
<label>${t('idp.clientId')}<select name="ClientId" id="idp-client-${i}" required>${clientIds.map(
      (c) => html`<option value="${c}"${current?.ClientId === c ? ' selected' : ''}>${c}</option>`,
    )}</select></label>
<label>${t('idp.clientSecret')}<input type="password" name="ClientSecret" id="idp-secret-${i}" autocomplete="off" maxlength="1024"></label>
<p class="hint">${t('idp.clientSecretHint')}</p>
<label>${t('idp.displayName')}<input name="DisplayName" id="idp-display-${i}" value="${current?.DisplayName ?? ''}" maxlength="64" required></label>
<button type="submit" class="primary" id="idp-enable-${i}">${enabled ? t('common.save') : t('idp.enable')}</button></form>
${
  enabled
    ? html`<form method="post" action="${APP}${IDP_PATH}/console-sign-in" class="inline">${csrfField(rq)}\
<input type="hidden" name="arn" value="${p.arn}"><input type="hidden" name="op" value="disable">\
<button type="submit" class="danger" id="idp-disable-${i}">${t('idp.disable')}</button></form>`
    : ''
}</section>`;
  };
  const body = html`${flash(rq)}
${await identityProvidersManage(rq)}
<h2 id="idp-sso">${t('idpm.sso')}</h2>
<p class="hint" id="idp-callback">${t('idp.callbackHint')} <code>${callbackUrl(rq)}</code></p>
${section(rq, t('nav.identityProviders'), list, () => (providers.length === 0 ? html`<p id="idp-none">${t('idp.none')}</p>` : providers.map(card)))}`;
  send(rq, 200, layout(rq, t('nav.identityProviders'), body, IDP_PATH));
}

export async function postConsoleSignIn(rq: Rq): Promise<void> {
  const f = rq.form;
  const enable = f.get('op') === 'enable';
  const secret = f.get('ClientSecret') ?? '';
  try {
    await call(
      rq,
      'UpdateOpenIDConnectProviderConsoleSignIn',
      enable
        ? {
            OpenIDConnectProviderArn: f.get('arn') ?? '',
            Enabled: 'true',
            ClientId: f.get('ClientId') ?? undefined,
            DisplayName: f.get('DisplayName') ?? undefined,
            // Empty: keep the stored secret.
            ClientSecret: secret === '' ? undefined : secret,
          }
        : { OpenIDConnectProviderArn: f.get('arn') ?? '', Enabled: 'false' },
      'iamd',
    );
  } catch (error) {
    return redirectWithError(rq, `${APP}${IDP_PATH}`, error);
  }
  redirect(rq, `${APP}${IDP_PATH}?ok=${enable ? 'consoleSignInEnabled' : 'consoleSignInDisabled'}`);
}
