// The list pages (users, groups, roles, policies): one skeleton. A toolbar with the create button
// (disabled, with AWS's reason, when the caller may not create), an optional search box and
// filters; then the table of items linking to their pages, the empty state, the link to the next
// page; or, when the list could not be loaded, a notice with the reason instead of the table.
import { APP, can, csrfField, flash, postButton, send, withQuery, type Rq } from './core.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { onePage, listAll, type ListAction, type ListItems, type Tag } from './outputs.ts';
import { load, loadFailed } from './sections.ts';

export interface Allowed {
  allowed: boolean;
  reason?: string;
}

export interface Column<T> {
  header: string;
  cell: (item: T) => HtmlValue;
}

/** What a list page's loader found: a page of items, the next page's marker, notes to show above. */
export interface Listed<T> {
  items: T[];
  next?: string;
  /** A part of the rows that could not be loaded (shown above the table, the rows still shown). */
  notes?: HtmlValue;
}

export interface ListPageSpec<T> {
  /** The page title, and the navigation entry it belongs to (`/users`). */
  title: string;
  nav: string;
  /** The items' name, for the notice when they could not be loaded ("Users could not be loaded: …"). */
  what: string;
  /** The prefix of the page's element ids: `${id}-table`, `${id}-search`, `${id}-next`. */
  id: string;
  /** The create button: IAM action and resource it needs, where it leads, its label and id. */
  create?: { action: string; resource: string; href: string; label: string; id: string };
  /** The search box (`?q=`), with hidden fields that a search keeps (the policies' scope). */
  search?: { q: string; keep?: Record<string, string> };
  /** More of the toolbar (the policies page's scope buttons). */
  filters?: HtmlValue;
  columns: Column<T>[];
  /** data-* attributes of an item's row (`{ role: 'web' }` → `data-role="web"`). */
  rowData?: (item: T) => Record<string, string>;
  /** Shown when there is no item. */
  empty: string;
  /** Loads the items shown (one page of them, or all that match a search). */
  list: () => Promise<Listed<T>>;
  /** More of the page, below the list (the services page's resource policies). */
  after?: HtmlValue;
}

/** The list page: its toolbar, then the table, its empty state and the next page's link, or the reason they are missing. */
export async function listPage<T>(rq: Rq, spec: ListPageSpec<T>): Promise<void> {
  const path = `${APP}${spec.nav}`;
  const [allowed, listed] = await Promise.all([
    spec.create ? can(rq, spec.create.action, spec.create.resource) : Promise.resolve(undefined),
    load(rq, spec.list),
  ]);
  const body = listed.ok
    ? html`${listed.value.notes ?? ''}<table class="list" id="${spec.id}-table"><thead><tr>${spec.columns.map((c) => html`<th>${c.header}</th>`)}</tr></thead>
<tbody>${listed.value.items.map((item) => row(spec, item))}</tbody></table>
${listed.value.items.length === 0 ? html`<p class="empty">${spec.empty}</p>` : ''}
${listed.value.next ? nextLink(rq, withQuery(path, { marker: listed.value.next }), spec.id) : ''}`
    : loadFailed(rq, spec.what, listed.reason);
  const toolbar = html`<div class="toolbar">${spec.create && allowed ? createButton(spec.create, allowed) : ''}
${spec.filters ?? ''}${spec.search ? searchBox(rq, path, spec.id, spec.search) : ''}</div>
${allowed && !allowed.allowed ? html`<p class="reason">${allowed.reason ?? ''}</p>` : ''}`;
  send(
    rq,
    200,
    layout(
      rq,
      spec.title,
      html`${flash(rq)}
${toolbar}
${body}${spec.after ?? ''}`,
      spec.nav,
    ),
  );
}

function nextLink(rq: Rq, href: string, id: string): SafeHtml {
  return html`<a class="button" id="${id}-next" href="${href}">${rq.t('common.next')}</a>`;
}

function row<T>(spec: ListPageSpec<T>, item: T): SafeHtml {
  const data = Object.entries(spec.rowData?.(item) ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
  return html`<tr${data}>${spec.columns.map((c) => html`<td>${c.cell(item)}</td>`)}</tr>`;
}

function createButton(create: NonNullable<ListPageSpec<unknown>['create']>, allowed: Allowed): SafeHtml {
  const off = allowed.allowed ? '' : html` aria-disabled="true" title="${allowed.reason ?? ''}"`;
  return html`<a class="button primary${allowed.allowed ? '' : ' disabled'}" id="${create.id}" href="${create.href}"${off}>${create.label}</a>`;
}

function searchBox(rq: Rq, path: string, id: string, search: { q: string; keep?: Record<string, string> }): SafeHtml {
  const t = rq.t;
  const keep = Object.entries(search.keep ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  return html`<form method="get" action="${path}" class="search">${keep}<input type="search" name="q" id="${id}-search" value="${search.q}" \
placeholder="${t('common.search')}" aria-label="${t('common.search')}"><button type="submit">${t('common.search')}</button></form>`;
}

/** A link to an item's page, for a table's first column. */
export function itemLink(href: string, text: string): SafeHtml {
  return html`<a href="${href}">${text}</a>`;
}

/**
 * The usual loader of a list page: with a search, every item that matches (the API has no search);
 * otherwise one page of `pageSize` from `?marker=`.
 */
export async function searchOrPage<A extends ListAction>(
  rq: Rq,
  action: A,
  q: string,
  matches: (item: ListItems[A], q: string) => boolean,
  pageSize = 50,
): Promise<Listed<ListItems[A]>> {
  if (q) return { items: (await listAll(rq, action)).filter((item) => matches(item, q)) };
  return onePage(rq, action, { Marker: rq.url.searchParams.get('marker') ?? undefined, MaxItems: pageSize });
}

/** ` disabled title="why"` for a control the caller may not use (AWS's reason as its tooltip). */
export function disabledIf(a: Allowed): SafeHtml | '' {
  return a.allowed ? '' : html` disabled title="${a.reason ?? ''}"`;
}

/** The tags card of an entity's page (users, roles): its tags, remove buttons, and an add form. */
export function tagsCard(rq: Rq, base: string, tags: readonly Tag[], canTag: Allowed): SafeHtml {
  const t = rq.t;
  return html`<section class="card" id="tags"><h2>${t('common.tags')}</h2>
<table class="list"><tbody>${tags.map(
    (tag) => html`<tr><td>${tag.Key}</td><td>${tag.Value}</td>\
<td>${postButton(rq, `${base}/untag`, t('common.remove'), { fields: { key: tag.Key }, allowed: canTag })}</td></tr>`,
  )}</tbody></table>
<form method="post" action="${base}/tag" class="inline">${csrfField(rq)}\
<input name="key" placeholder="${t('common.key')}" aria-label="${t('common.key')}" required>\
<input name="value" placeholder="${t('common.value')}" aria-label="${t('common.value')}">\
<button type="submit"${disabledIf(canTag)}>${t('common.addTag')}</button></form>
</section>`;
}
