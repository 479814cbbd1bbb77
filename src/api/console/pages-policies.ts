// Policies: the list (customer managed or AWS managed, searched), a policy's page (its document,
// a new version, the versions), and creating one.
import { awsManagedPolicy } from '../../catalog/aws-managed-policies.ts';
import { APP, arnOf, call, csrfField, errorText, flash, fmtDate, notice, postButton, redirect, send, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { nameAttrs } from './name-field.ts';
import { itemLink, listPage } from './list-page.ts';
import { listAll, read, type PolicyRow, type PolicyVersionRow } from './outputs.ts';
import { EMPTY_POLICY, policyEditor } from './pages-policy-editor.ts';
import { back } from './pages-users.ts';
import { degraded, load, loaded, section } from './sections.ts';

/** The list shows at most this many policies (AWS managed ones are about a thousand: search them). */
const MAX_SHOWN = 500;

const policyHref = (arn: string) => `${APP}/policies/view?arn=${encodeURIComponent(arn)}`;

export async function policiesList(rq: Rq): Promise<void> {
  const t = rq.t;
  const q = (rq.url.searchParams.get('q') ?? '').toLowerCase();
  const scope = rq.url.searchParams.get('scope') === 'AWS' ? 'AWS' : 'Local';
  const tab = (value: string, label: string) => html`<a class="button${scope === value ? ' active' : ''}" href="${APP}/policies?scope=${value}">${label}</a>`;
  await listPage<PolicyRow>(rq, {
    title: t('nav.policies'),
    nav: '/policies',
    what: t('nav.policies'),
    id: 'policies',
    create: { action: 'iam:CreatePolicy', resource: arnOf(rq, 'policy', '*'), href: `${APP}/policies/new`, label: t('policies.create'), id: 'create-policy' },
    filters: html`${tab('Local', t('policies.customerManaged'))}${tab('AWS', t('policies.awsManaged'))}`,
    search: { q, keep: { scope } },
    columns: [
      { header: t('policies.name'), cell: (p) => itemLink(policyHref(p.Arn), p.PolicyName) },
      { header: t('policies.attachments'), cell: (p) => String(p.AttachmentCount ?? 0) },
      { header: t('policies.description'), cell: (p) => p.Description ?? '' },
    ],
    empty: t('policies.none'),
    list: async () => {
      const all = await listAll(rq, 'ListPolicies', { Scope: scope });
      return { items: all.filter((p) => !q || p.PolicyName.toLowerCase().includes(q)).slice(0, MAX_SHOWN) };
    },
  });
}

interface PolicyShown {
  policy: Pick<PolicyRow, 'PolicyName' | 'Arn' | 'DefaultVersionId'>;
  document: string;
}

export async function policyView(rq: Rq): Promise<void> {
  const t = rq.t;
  const arn = rq.url.searchParams.get('arn') ?? '';
  const got = await load(rq, async (): Promise<PolicyShown> => {
    const policy = (await read(rq, 'GetPolicy', { PolicyArn: arn })).Policy;
    const version = (await read(rq, 'GetPolicyVersion', { PolicyArn: arn, VersionId: policy.DefaultVersionId })).PolicyVersion;
    return { policy, document: decodeURIComponent(String(version.Document ?? '')) };
  });
  let shown: PolicyShown;
  let note: SafeHtml | string = '';
  if (got.ok) shown = got.value;
  else {
    // An AWS managed policy can still be shown from iamd's copy of the catalogue; saying why.
    const managed = awsManagedPolicy(arn);
    if (!managed) return send(rq, 404, layout(rq, arn, notice('error', got.reason), '/policies'));
    shown = { policy: { PolicyName: managed.name, Arn: managed.arn, DefaultVersionId: managed.defaultVersionId }, document: managed.document };
    note = degraded(t('policies.fromCatalogue', { reason: got.reason }));
  }
  const { policy, document } = shown;
  let pretty = document;
  try {
    pretty = JSON.stringify(JSON.parse(document), null, 4);
  } catch {
    /* shown as stored */
  }
  const local = !String(arn).includes(':aws:policy/');
  const versions = local ? await load(rq, () => listAll(rq, 'ListPolicyVersions', { PolicyArn: arn })) : loaded([]);
  const versionRow = (v: PolicyVersionRow) => {
    const fields = { arn, version: v.VersionId };
    const actions = v.IsDefaultVersion
      ? ''
      : html`${postButton(rq, `${APP}/policies/version/default`, t('policies.setDefault'), { fields })}\
${postButton(rq, `${APP}/policies/version/delete`, t('common.delete'), { fields, danger: true })}`;
    return html`<tr><td>${v.VersionId}${v.IsDefaultVersion ? html` <span class="tag">${t('policies.default')}</span>` : ''}</td>\
<td>${fmtDate(rq, v.CreateDate)}</td><td>${actions}</td></tr>`;
  };
  const editing = html`<section class="card"><h2>${t('policies.edit')}</h2>
<form method="post" action="${APP}/policies/version">${csrfField(rq)}<input type="hidden" name="arn" value="${arn}">${policyEditor(rq, 'document', pretty, 'managed')}\
<label class="check"><input type="checkbox" name="setDefault" value="1" checked> ${t('policies.setDefault')}</label>\
<button class="primary" type="submit">${t('common.save')}</button></form></section>
<section class="card"><h2>${t('policies.versions')}</h2>\
${section(rq, t('policies.versions'), versions, (list) => html`<table class="list"><tbody>${list.map(versionRow)}</tbody></table>`)}</section>`;
  const body = html`${flash(rq)}${note}<dl class="facts"><dt>${t('common.arn')}</dt><dd><code>${policy.Arn}</code></dd>\
<dt>${t('policies.defaultVersion')}</dt><dd>${policy.DefaultVersionId}</dd></dl>
<pre class="json" id="policy-json">${pretty}</pre>
${local ? editing : ''}`;
  send(rq, 200, layout(rq, policy.PolicyName, body, '/policies'));
}

export async function newPolicyPage(rq: Rq, error?: string): Promise<void> {
  const t = rq.t;
  const f = rq.form;
  const body = html`${error ? notice('error', error) : ''}<form method="post" action="${APP}/policies/new">${csrfField(rq)}
<label>${t('policies.name')}<input name="name" id="policy-name" value="${f.get('name') ?? ''}"${nameAttrs(rq, 128)} required>\
<span class="field-error" aria-live="polite"></span></label>
<label>${t('policies.description')}<input name="description" value="${f.get('description') ?? ''}" maxlength="1000"></label>
${policyEditor(rq, 'document', f.get('document') ?? EMPTY_POLICY, 'managed')}
<div class="actions"><a class="button" href="${APP}/policies">${t('common.cancel')}</a>\
<button type="submit" class="primary" id="create-policy-submit">${t('policies.create')}</button></div></form>`;
  send(rq, error ? 400 : 200, layout(rq, t('policies.create'), body, '/policies'));
}

export async function postNewPolicy(rq: Rq): Promise<void> {
  const f = rq.form;
  try {
    const input = { PolicyName: f.get('name') ?? '', Description: f.get('description') || undefined, PolicyDocument: f.get('document') ?? '' };
    const created = (await read(rq, 'CreatePolicy', input)).Policy;
    redirect(rq, `${policyHref(created.Arn)}&ok=saved`);
  } catch (error) {
    return newPolicyPage(rq, errorText(rq, error));
  }
}

export async function postPolicyVersion(rq: Rq, params: Record<string, string>): Promise<void> {
  const f = rq.form;
  const arn = f.get('arn') ?? '';
  const to = policyHref(arn);
  try {
    if (params.op === 'default') await call(rq, 'SetDefaultPolicyVersion', { PolicyArn: arn, VersionId: f.get('version') ?? '' });
    else if (params.op === 'delete') await call(rq, 'DeletePolicyVersion', { PolicyArn: arn, VersionId: f.get('version') ?? '' });
    else await call(rq, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: f.get('document') ?? '', SetAsDefault: f.get('setDefault') === '1' });
  } catch (error) {
    return back(rq, to, error);
  }
  redirect(rq, `${to}&ok=saved`);
}
