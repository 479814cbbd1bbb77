// Service catalogues: the list of the services registered in the account (and, below it, the
// resource policies stored for protected services' resources, read-only), one service's actions,
// resource types, condition keys and routes, and registering, updating and deleting a catalogue.
// Every page runs the operations (ListServiceCatalogs, GetServiceCatalog, PutServiceCatalog,
// DeleteServiceCatalog, ListResourcePolicies) as the signed-in principal, like every other page;
// a document the API refuses is shown again with AWS's ValidationError, which lists every problem.
import { AwsError } from '../../errors/aws-error.ts';
import { parseCatalogue, type ServiceCatalogue } from '../../protect/catalogue-format.ts';
import { APP, call, can, csrfField, errorText, flash, fmtDate, me, notice, postButton, redirect, send, type Rq } from './core.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { itemLink, listPage, type Allowed } from './list-page.ts';
import { back } from './pages-users.ts';
import { load, section } from './sections.ts';

const servicePath = (name: string) => `${APP}/services/${encodeURIComponent(name)}`;

/** The ARN the catalogue operations are authorized on (`*`: any service, as the create button asks). */
const serviceArn = (rq: Rq, name: string) => `arn:${me(rq).caller.partition}:iamd::${me(rq).accountId}:service/${name}`;

/** The document the register form starts from: a small valid catalogue to edit. */
export const EXAMPLE_CATALOGUE = JSON.stringify(
  {
    Name: 'my-service',
    Description: 'What my service does.',
    Actions: [
      { Name: 'ListThings', AccessLevel: 'List', Description: 'List the things.' },
      { Name: 'GetThing', AccessLevel: 'Read', Description: 'Read one thing.', Resources: [{ Name: 'thing', Required: true }] },
    ],
    Resources: [{ Name: 'thing', ArnFormats: ['arn:${Partition}:my-service:${Region}:${Account}:thing/${ThingId}'] }],
    ConditionKeys: [],
    Routes: [
      { Method: 'GET', Path: '/things', Action: 'ListThings' },
      { Method: 'GET', Path: '/things/{ThingId}', Action: 'GetThing', Resource: 'thing' },
    ],
  },
  null,
  2,
);

/** How many stored resource policies the list page shows. */
const RESOURCE_POLICIES_SHOWN = 100;

interface ServiceRow {
  ServiceName: string;
  Description?: string;
  ActionCount: number;
  ResourceCount: number;
  ConditionKeyCount: number;
  RouteCount: number;
  UpdateDate: string;
}

export async function servicesList(rq: Rq): Promise<void> {
  const t = rq.t;
  const policies = await resourcePoliciesSection(rq);
  await listPage<ServiceRow>(rq, {
    title: t('nav.services'),
    nav: '/services',
    what: t('nav.services'),
    id: 'services',
    create: {
      action: 'iamd:PutServiceCatalog',
      resource: serviceArn(rq, '*'),
      href: `${APP}/services/new`,
      label: t('services.register'),
      id: 'register-service',
    },
    columns: [
      { header: t('services.name'), cell: (s) => itemLink(servicePath(s.ServiceName), s.ServiceName) },
      { header: t('services.description'), cell: (s) => s.Description ?? '' },
      { header: t('services.actions'), cell: (s) => String(s.ActionCount) },
      { header: t('services.resources'), cell: (s) => String(s.ResourceCount) },
      { header: t('services.conditionKeys'), cell: (s) => String(s.ConditionKeyCount) },
      { header: t('services.routes'), cell: (s) => String(s.RouteCount) },
      { header: t('services.updated'), cell: (s) => fmtDate(rq, s.UpdateDate) },
    ],
    rowData: (s) => ({ service: s.ServiceName }),
    empty: t('services.none'),
    list: async () => {
      const page = await call(rq, 'ListServiceCatalogs', { Marker: rq.url.searchParams.get('marker') ?? undefined, MaxItems: 50 }, 'iamd');
      return {
        items: page.ServiceCatalogs ?? [],
        next: page.IsTruncated ? page.Marker : undefined,
        notes: html`<p class="hint">${t('services.help')} <code>iamd service put --file orders.json</code></p>`,
      };
    },
    after: policies,
  });
}

/** The stored resource policies (read-only): their ARNs (or ARN prefixes) and dates, or why they are missing. */
async function resourcePoliciesSection(rq: Rq): Promise<SafeHtml> {
  const t = rq.t;
  const listed = await load(rq, () => call(rq, 'ListResourcePolicies', { MaxItems: RESOURCE_POLICIES_SHOWN }, 'iamd'));
  return html`<section class="card" id="resource-policies"><h2>${t('services.resourcePolicies')}</h2>
<p class="hint">${t('services.resourcePoliciesHelp')} <code>POST /iamd/resource-policies</code></p>
${section(rq, t('services.resourcePolicies'), listed, (page) => {
  const items = page.ResourcePolicies ?? [];
  if (items.length === 0) return html`<p class="empty">${t('services.noResourcePolicies')}</p>`;
  return html`${table(
    'resource-policies-table',
    [t('services.resourceArn'), t('users.created'), t('services.updated')],
    items.map((p) => [html`<code>${p.ResourceArn}</code>`, fmtDate(rq, p.CreateDate), fmtDate(rq, p.UpdateDate)]),
  )}${page.IsTruncated ? html`<p class="hint">${t('services.moreResourcePolicies', { n: RESOURCE_POLICIES_SHOWN })}</p>` : ''}`;
})}</section>`;
}

function table(id: string, headers: string[], rows: HtmlValue[][]): SafeHtml {
  return html`<table class="list" id="${id}"><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`;
}

const codes = (list: readonly string[]) => list.map((x, i) => html`${i > 0 ? ', ' : ''}<code>${x}</code>`);

function catalogueSections(rq: Rq, c: ServiceCatalogue): SafeHtml {
  const t = rq.t;
  const none = (list: readonly unknown[], text: string) => (list.length === 0 ? html`<p class="empty">${text}</p>` : '');
  return html`<section class="card" id="service-actions"><h2>${t('services.actions')} (${c.Actions.length})</h2>
${table(
  'actions-table',
  [t('services.action'), t('services.accessLevel'), t('services.resourceTypes'), t('services.conditionKeys'), t('services.description')],
  c.Actions.map((a) => [
    html`<code>${c.Name}:${a.Name}</code>`,
    a.AccessLevel,
    codes(a.Resources.map((r) => (r.Required ? `${r.Name}*` : r.Name))),
    codes(a.ConditionKeys),
    a.Description ?? '',
  ]),
)}</section>
<section class="card" id="service-resources"><h2>${t('services.resources')} (${c.Resources.length})</h2>
${table(
  'resources-table',
  [t('services.resourceType'), t('services.arnFormats'), t('services.conditionKeys')],
  c.Resources.map((r) => [html`<code>${r.Name}</code>`, codes(r.ArnFormats), codes(r.ConditionKeys)]),
)}${none(c.Resources, t('services.noResources'))}</section>
<section class="card" id="service-keys"><h2>${t('services.conditionKeys')} (${c.ConditionKeys.length})</h2>
${table(
  'keys-table',
  [t('services.key'), t('services.type'), t('services.description')],
  c.ConditionKeys.map((k) => [html`<code>${k.Name}</code>`, k.Type, k.Description ?? '']),
)}${none(c.ConditionKeys, t('services.noKeys'))}</section>
<section class="card" id="service-routes"><h2>${t('services.routes')} (${c.Routes.length})</h2>
${table(
  'routes-table',
  [t('services.method'), t('services.path'), t('services.action'), t('services.resourceType')],
  c.Routes.map((r) => [r.Method, html`<code>${r.Path}</code>`, html`<code>${c.Name}:${r.Action}</code>`, r.Resource ?? '*']),
)}${none(c.Routes, t('services.noRoutes'))}</section>`;
}

/** Why a service's page cannot be shown: its status (404 for NoSuchEntity, 403 for a refusal…) and the reason. */
function failedLookup(rq: Rq, name: string, got: { ok: false; error: unknown; reason: string } | { ok: true }): void {
  const status = got.ok ? 500 : got.error instanceof AwsError ? (got.error.code === 'NoSuchEntity' ? 404 : got.error.status) : 500;
  send(rq, status, layout(rq, name, html`${flash(rq)}${notice('error', got.ok ? rq.t('error.internal') : got.reason)}`, '/services'));
}

export async function servicePage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name;
  if (name === undefined) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const got = await load(rq, () => call(rq, 'GetServiceCatalog', { ServiceName: name }, 'iamd'));
  if (!got.ok || !got.value.ServiceCatalog) return failedLookup(rq, name, got);
  const s = got.value.ServiceCatalog;
  const [canPut, canDelete] = await Promise.all([can(rq, 'iamd:PutServiceCatalog', s.Arn), can(rq, 'iamd:DeleteServiceCatalog', s.Arn)]);
  const catalogue = parseCatalogue(s.Catalog).catalogue;
  const base = servicePath(s.ServiceName);
  const manage = html`<div class="actions" id="service-manage">${linkButton(`${base}/update`, t('services.update'), 'update-service', canPut)}\
${postButton(rq, `${base}/delete`, t('services.delete'), {
  allowed: canDelete,
  danger: true,
  confirm: t('services.deleteConfirm', { name: s.ServiceName }),
  id: 'delete-service',
})}</div>`;
  const body = html`${flash(rq)}<section class="card"><h2>${t('users.summary')}</h2><dl class="facts">\
<dt>${t('common.arn')}</dt><dd><code>${s.Arn}</code></dd>\
${s.Description ? html`<dt>${t('services.description')}</dt><dd>${s.Description}</dd>` : ''}\
<dt>${t('users.created')}</dt><dd>${fmtDate(rq, s.CreateDate)}</dd>\
<dt>${t('services.updated')}</dt><dd>${fmtDate(rq, s.UpdateDate)}</dd></dl>
${manage}</section>
${catalogue ? catalogueSections(rq, catalogue) : notice('error', t('services.invalid'))}
<details class="card" id="service-document"><summary>${t('services.document')}</summary><pre class="policy-text">${s.Catalog}</pre></details>`;
  send(rq, 200, layout(rq, `${t('services.title')}: ${s.ServiceName}`, body, '/services'));
}

/** A link styled as a button; shown disabled, with AWS's reason, when the caller may not do what it leads to. */
function linkButton(href: string, label: string, id: string, allowed: Allowed): SafeHtml {
  if (allowed.allowed) return html`<a class="button" id="${id}" href="${href}">${label}</a>`;
  return html`<a class="button disabled" id="${id}" href="${href}" aria-disabled="true" title="${allowed.reason ?? ''}">${label}</a>\
<span class="reason">${allowed.reason ?? ''}</span>`;
}

/** The status of a page that shows a refused document again: the error's own (400 ValidationError, 403 AccessDenied…). */
const statusOf = (error: unknown) => (error instanceof AwsError ? error.status : 500);

interface CatalogueForm {
  /** Registering a new service, or updating this one. */
  name?: string;
  document: string;
  error?: string;
  status?: number;
}

/** The register and update pages: the catalogue's JSON in a textarea, and AWS's error when it was refused. */
async function cataloguePage(rq: Rq, form: CatalogueForm): Promise<void> {
  const t = rq.t;
  const updating = form.name !== undefined;
  const action = updating ? `${servicePath(form.name!)}/update` : `${APP}/services/new`;
  const cancel = updating ? servicePath(form.name!) : `${APP}/services`;
  // Registering: the service is named by the document, so the button is only gated once it is sent.
  const allowed: Allowed = updating ? await can(rq, 'iamd:PutServiceCatalog', serviceArn(rq, form.name!)) : { allowed: true };
  const disabled = allowed.allowed ? '' : html` disabled title="${allowed.reason ?? ''}"`;
  const title = updating ? `${t('services.update')}: ${form.name}` : t('services.register');
  const body = html`${form.error ? notice('error', form.error) : ''}\
<p class="hint">${updating ? t('services.updateHelp') : t('services.registerHelp')}</p>
<form method="post" action="${action}" id="catalogue-form">${csrfField(rq)}
<label>${t('services.document')}\
<textarea name="catalog" id="catalogue-document" class="catalogue" rows="28" spellcheck="false" required>${form.document}</textarea></label>
<div class="actions"><a class="button" href="${cancel}">${t('common.cancel')}</a>\
<button type="submit" class="primary" id="catalogue-submit"${disabled}>${updating ? t('common.save') : t('services.register')}</button>\
${allowed.allowed ? '' : html`<span class="reason">${allowed.reason ?? ''}</span>`}</div></form>`;
  send(rq, form.status ?? 200, layout(rq, title, body, '/services'));
}

export async function newServicePage(rq: Rq): Promise<void> {
  await cataloguePage(rq, { document: EXAMPLE_CATALOGUE });
}

export async function postNewService(rq: Rq): Promise<void> {
  const document = rq.form.get('catalog') ?? '';
  try {
    const put = await call(rq, 'PutServiceCatalog', { Catalog: document }, 'iamd');
    const name = put.ServiceCatalog?.ServiceName;
    if (name === undefined) throw new Error('PutServiceCatalog answered no ServiceCatalog');
    redirect(rq, `${servicePath(name)}?ok=serviceRegistered`);
  } catch (error) {
    return cataloguePage(rq, { document, error: errorText(rq, error), status: statusOf(error) });
  }
}

/** GET: the update form, prefilled with the document as it was registered. */
export async function updateServicePage(rq: Rq, params: Record<string, string>): Promise<void> {
  const name = params.name;
  if (name === undefined) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const got = await load(rq, () => call(rq, 'GetServiceCatalog', { ServiceName: name }, 'iamd'));
  if (!got.ok || !got.value.ServiceCatalog) return failedLookup(rq, name, got);
  await cataloguePage(rq, { name: got.value.ServiceCatalog.ServiceName, document: got.value.ServiceCatalog.Catalog });
}

/** POST /services/NAME/update (PutServiceCatalog for NAME: the document must keep its Name) and /services/NAME/delete. */
export async function postServiceOp(rq: Rq, params: Record<string, string>): Promise<void> {
  const name = params.name;
  if (name === undefined) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  if (params.op === 'delete') {
    try {
      await call(rq, 'DeleteServiceCatalog', { ServiceName: name }, 'iamd');
    } catch (error) {
      return back(rq, servicePath(name), error);
    }
    return redirect(rq, `${APP}/services?ok=serviceDeleted`);
  }
  const document = rq.form.get('catalog') ?? '';
  try {
    await call(rq, 'PutServiceCatalog', { Catalog: document, ServiceName: name }, 'iamd');
  } catch (error) {
    return cataloguePage(rq, { name, document, error: errorText(rq, error), status: statusOf(error) });
  }
  redirect(rq, `${servicePath(name)}?ok=serviceUpdated`);
}
