// Service catalogues, read-only: the list of the services registered in the account, and one
// service's actions, resource types, condition keys and routes. Registering and changing them is
// done with the API or `iamd service put --file …`; the pages run ListServiceCatalogs and
// GetServiceCatalog as the signed-in principal, like every other page.
import { AwsError } from '../../errors/aws-error.ts';
import { parseCatalogue, type ServiceCatalogue } from '../../protect/catalogue-format.ts';
import { APP, call, fmtDate, notice, send, type Rq } from './core.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { itemLink, listPage } from './list-page.ts';
import { load } from './sections.ts';

const servicePath = (name: string) => `${APP}/services/${encodeURIComponent(name)}`;

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
  await listPage<ServiceRow>(rq, {
    title: t('nav.services'),
    nav: '/services',
    what: t('nav.services'),
    id: 'services',
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
  });
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

export async function servicePage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name;
  if (name === undefined) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const got = await load(rq, () => call(rq, 'GetServiceCatalog', { ServiceName: name }, 'iamd'));
  if (!got.ok || !got.value.ServiceCatalog) {
    const status = !got.ok && got.error instanceof AwsError && got.error.code === 'NoSuchEntity' ? 404 : got.ok ? 500 : 403;
    return send(rq, status, layout(rq, name, notice('error', got.ok ? t('error.internal') : got.reason), '/services'));
  }
  const s = got.value.ServiceCatalog;
  const catalogue = parseCatalogue(s.Catalog).catalogue;
  const body = html`<section class="card"><h2>${t('users.summary')}</h2><dl class="facts">\
<dt>${t('common.arn')}</dt><dd><code>${s.Arn}</code></dd>\
${s.Description ? html`<dt>${t('services.description')}</dt><dd>${s.Description}</dd>` : ''}\
<dt>${t('users.created')}</dt><dd>${fmtDate(rq, s.CreateDate)}</dd>\
<dt>${t('services.updated')}</dt><dd>${fmtDate(rq, s.UpdateDate)}</dd></dl></section>
${catalogue ? catalogueSections(rq, catalogue) : notice('error', t('services.invalid'))}
<details class="card" id="service-document"><summary>${t('services.document')}</summary><pre class="policy-text">${s.Catalog}</pre></details>`;
  send(rq, 200, layout(rq, `${t('services.title')}: ${s.ServiceName}`, body, '/services'));
}
