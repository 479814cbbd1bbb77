// The audit trail in the console (issue #16): the event history page (AWS console: CloudTrail >
// Event history) and the "recent activity" cards of a user (and its access keys) and a role. Every
// event comes from CloudTrail's LookupEvents through call(), as the signed-in principal: its
// policies apply (cloudtrail:LookupEvents on `*`), and a refusal shows AWS's AccessDenied.
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events-console.html
import type { Event, LookupAttributeKey, LookupEventsRequest } from '../../actions/generated/cloudtrail.ts';
import { APP, call, can, notice, send, withQuery, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import type { MessageKey } from './messages.ts';
import { degraded, load, loadFailed, section } from './sections.ts';

export const AUDIT_PATH = '/audit';
const PAGE = `${APP}${AUDIT_PATH}`;

/** The lookup attributes the page offers, in the order of AWS's console. */
const ATTRIBUTES: readonly LookupAttributeKey[] = [
  'EventName',
  'Username',
  'EventSource',
  'ReadOnly',
  'ResourceName',
  'ResourceType',
  'AccessKeyId',
  'EventId',
];
const isAttribute = (s: string | null): s is LookupAttributeKey => s !== null && (ATTRIBUTES as readonly string[]).includes(s);

/** How many events a "recent activity" list shows. */
const RECENT = 5;
/** LookupEvents' largest page. */
const MAX_PAGE = 50;

/** The event history page filtered by one lookup attribute. */
export function auditHref(attr: LookupAttributeKey, value: string): string {
  return withQuery(PAGE, { attr, value });
}

/** The parts of a CloudTrail record the page reads (the whole record is shown as JSON). */
interface TrailRecord {
  sourceIPAddress?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: { type?: string; arn?: string; userName?: string };
  responseElements?: { ConsoleLogin?: string } | null;
  additionalEventData?: {
    authorization?: { action?: string; resource?: string; decision?: string; reason?: string; decidingStatements?: Record<string, string>[] };
  };
}

interface Row {
  event: Event;
  record: TrailRecord;
  /** The record as the trail holds it, parsed (or the raw text when it is not JSON). */
  json: unknown;
}

function toRow(event: Event): Row {
  let json: unknown = event.CloudTrailEvent ?? null;
  try {
    json = JSON.parse(event.CloudTrailEvent ?? 'null');
  } catch {
    // Shown as the text it is.
  }
  const record = json && typeof json === 'object' && !Array.isArray(json) ? (json as TrailRecord) : {};
  return { event, record, json };
}

/** `2026-11-29 19:30:05 UTC`: an audit needs the seconds, in one zone. */
function fmtTime(d: Date | undefined): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return '—';
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function userOf(row: Row): string {
  return row.event.Username ?? row.record.userIdentity?.userName ?? row.record.userIdentity?.arn ?? '—';
}

/** Success, the error code, or (a console sign-in) Failure with CloudTrail's errorMessage. */
function outcome(rq: Rq, row: Row): SafeHtml {
  const r = row.record;
  if (r.errorCode) return html`<span class="outcome error" title="${r.errorMessage ?? ''}">${r.errorCode}</span>`;
  if (r.responseElements?.ConsoleLogin === 'Failure') {
    return html`<span class="outcome error">${rq.t('audit.failure')}${r.errorMessage ? html` (${r.errorMessage})` : ''}</span>`;
  }
  return html`<span class="outcome ok">${rq.t('audit.success')}</span>`;
}

/** The deciding policy (additionalEventData.authorization): the decision and the statements that made it. */
function decisionView(rq: Rq, row: Row): SafeHtml {
  const t = rq.t;
  const a = row.record.additionalEventData?.authorization;
  if (!a) return html`<p class="hint">${t('audit.noDecision')}</p>`;
  const statements = a.decidingStatements ?? [];
  return html`<p class="decision">${t('audit.decisionSummary', { decision: a.decision ?? '', action: a.action ?? '', resource: a.resource ?? '' })}</p>
${
  statements.length === 0
    ? html`<p class="hint">${a.reason ?? t('audit.noStatement')}</p>`
    : html`<table class="list deciding"><thead><tr><th scope="col">${t('audit.policyId')}</th><th scope="col">${t('audit.policyType')}</th>\
<th scope="col">${t('audit.sid')}</th><th scope="col">${t('audit.effect')}</th></tr></thead><tbody>${statements.map(
        (s) =>
          html`<tr><td><code>${s.SourcePolicyId ?? ''}</code></td><td>${s.SourcePolicyType ?? ''}</td><td>${s.Sid ?? ''}</td><td>${s.Effect ?? ''}</td></tr>`,
      )}</tbody></table>`
}`;
}

/** An event's details: the deciding policy, its resources, and the whole record (escaped). */
function details(rq: Rq, row: Row, open: boolean): SafeHtml {
  const t = rq.t;
  const resources = row.event.Resources ?? [];
  return html`<details class="audit-details"${open ? ' open' : ''}><summary>${t('audit.details')}</summary>
<h3>${t('audit.decision')}</h3>${decisionView(rq, row)}
${
  resources.length > 0
    ? html`<h3>${t('audit.resources')}</h3><ul class="plain">${resources.map((r) => html`<li><code>${r.ResourceType ?? ''}</code> ${r.ResourceName ?? ''}</li>`)}</ul>`
    : ''
}
<h3>${t('audit.record')}</h3><pre class="json">${JSON.stringify(row.json, null, 2)}</pre></details>`;
}

/** One event: a row of time, user, event, source, source IP and outcome, and a row of its details beneath. */
function eventRow(rq: Rq, row: Row, open: boolean): SafeHtml {
  const e = row.event;
  const user = userOf(row);
  return html`<tr class="audit-event" data-event-id="${e.EventId ?? ''}" data-event-name="${e.EventName ?? ''}">\
<td><time datetime="${e.EventTime instanceof Date ? e.EventTime.toISOString() : ''}">${fmtTime(e.EventTime)}</time></td>\
<td class="user">${e.Username ? html`<a href="${auditHref('Username', e.Username)}">${user}</a>` : user}</td>\
<td class="event"><a href="${auditHref('EventId', e.EventId ?? '')}">${e.EventName ?? ''}</a></td>\
<td><code>${e.EventSource ?? ''}</code></td><td class="source-ip">${row.record.sourceIPAddress ?? '—'}</td><td>${outcome(rq, row)}</td></tr>
<tr class="audit-more"><td colspan="6">${details(rq, row, open)}</td></tr>`;
}

function eventsTable(rq: Rq, rows: Row[], id: string, open = false): SafeHtml {
  const t = rq.t;
  return html`<div class="scroll"><table class="list audit" id="${id}"><thead><tr><th scope="col">${t('audit.time')}</th><th scope="col">${t('audit.user')}</th>\
<th scope="col">${t('audit.event')}</th><th scope="col">${t('audit.source')}</th><th scope="col">${t('audit.sourceIp')}</th>\
<th scope="col">${t('audit.outcome')}</th></tr></thead>
<tbody>${rows.map((r) => eventRow(rq, r, open))}</tbody></table></div>`;
}

/**
 * A time the form gives: `YYYY-MM-DDThh:mm[:ss]` (a datetime-local field) or an ISO time, read as
 * UTC; '' is no bound; anything else is not a time (undefined).
 */
export function parseTime(text: string): Date | '' | undefined {
  const s = text.trim();
  if (s === '') return '';
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,3})?)?Z?$/.exec(s);
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? ':00'}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The ReadOnly attribute's value as LookupEvents takes it (the form may say yes or no). */
function readOnlyValue(value: string): string {
  const v = value.trim().toLowerCase();
  if (v === 'yes' || v === 'はい') return 'true';
  if (v === 'no' || v === 'いいえ') return 'false';
  return v;
}

/** GET /audit: the event history, filtered by one lookup attribute and a time range, paged. */
export async function auditPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const q = rq.url.searchParams;
  const attrParam = q.get('attr');
  const attr = isAttribute(attrParam) ? attrParam : undefined;
  const rawValue = (q.get('value') ?? '').slice(0, 2000);
  const value = attr === 'ReadOnly' ? readOnlyValue(rawValue) : rawValue.trim();
  const startText = (q.get('start') ?? '').slice(0, 40);
  const endText = (q.get('end') ?? '').slice(0, 40);
  const start = parseTime(startText);
  const end = parseTime(endText);
  const max = q.get('max') ?? undefined;
  const next = q.get('next') ?? undefined;
  const badTimes = [
    [startText, start],
    [endText, end],
  ]
    .filter(([, d]) => d === undefined)
    .map(([text]) => notice('error', t('audit.badTime', { value: String(text) })));

  const input: LookupEventsRequest | Record<string, unknown> = {
    ...(attr && value !== '' ? { LookupAttributes: [{ AttributeKey: attr, AttributeValue: value }] } : {}),
    ...(start instanceof Date ? { StartTime: start } : {}),
    ...(end instanceof Date ? { EndTime: end } : {}),
    ...(max !== undefined ? { MaxResults: max } : {}),
    ...(next !== undefined ? { NextToken: next } : {}),
  };
  const result =
    badTimes.length > 0
      ? undefined
      : await load(rq, async () => {
          const out = await call(rq, 'LookupEvents', input, 'cloudtrail');
          return { rows: (out.Events ?? []).map(toRow), nextToken: out.NextToken };
        });
  const filters = {
    attr: attr && value !== '' ? attr : undefined,
    value: attr && value !== '' ? rawValue : undefined,
    start: startText || undefined,
    end: endText || undefined,
    max,
  };
  const status = result && !result.ok && /^AccessDenied/.test(result.reason) ? 403 : 200;

  const form = html`<form method="get" action="${PAGE}" class="filters" id="audit-filters">
<label>${t('audit.filter')} <select name="attr" id="audit-attr"><option value="">${t('audit.attrNone')}</option>${ATTRIBUTES.map(
    (a) => html`<option value="${a}"${a === attr ? ' selected' : ''}>${t(`audit.attr.${a}` as MessageKey)}</option>`,
  )}</select></label>
<label>${t('audit.value')} <input type="text" name="value" id="audit-value" value="${rawValue}" maxlength="2000" title="${t('audit.valueHint')}"></label>
<label>${t('audit.start')} <input type="datetime-local" step="1" name="start" id="audit-start" value="${startText}"></label>
<label>${t('audit.end')} <input type="datetime-local" step="1" name="end" id="audit-end" value="${endText}"></label>
<button type="submit" id="audit-apply">${t('audit.apply')}</button> <a href="${PAGE}" id="audit-clear">${t('audit.clear')}</a></form>`;

  const listing = !result
    ? ''
    : section(rq, t('audit.events'), result, ({ rows, nextToken }) =>
        rows.length === 0
          ? html`<p class="empty" id="audit-none">${t('audit.none')}</p>`
          : html`${eventsTable(rq, rows, 'audit-events', attr === 'EventId' && rows.length === 1)}
<p class="pager">${next !== undefined ? html`<a href="${withQuery(PAGE, filters)}" id="audit-first">${t('audit.first')}</a> ` : ''}\
${nextToken ? html`<a class="button" rel="next" href="${withQuery(PAGE, { ...filters, next: nextToken })}" id="audit-next">${t('audit.next')}</a>` : ''}</p>`,
      );
  const body = html`<section class="card" id="audit"><p class="hint">${t('audit.intro')}</p>${form}</section>
${badTimes}<section class="card" id="audit-results">${listing}</section>`;
  send(rq, status, layout(rq, t('audit.title'), body, AUDIT_PATH));
}

/**
 * The newest events of several lookups, merged (one event once), newest first. Events that only
 * name the resource are kept when they changed something or were denied: reading a user's page
 * reads the user (and finds no password…), and those reads would otherwise be all its "activity".
 */
async function recent(rq: Rq, lookups: { attr: LookupAttributeKey; value: string }[]): Promise<Row[]> {
  const answers = await Promise.all(
    lookups.map(async (l) => {
      const onResource = l.attr === 'ResourceName';
      const out = await call(
        rq,
        'LookupEvents',
        { LookupAttributes: [{ AttributeKey: l.attr, AttributeValue: l.value }], MaxResults: onResource ? MAX_PAGE : RECENT },
        'cloudtrail',
      );
      const rows = (out.Events ?? []).map(toRow);
      return onResource ? rows.filter((r) => r.event.ReadOnly !== 'true' || /^AccessDenied/.test(r.record.errorCode ?? '')) : rows;
    }),
  );
  const byId = new Map<string, Row>();
  for (const rows of answers) for (const r of rows) if (r.event.EventId && !byId.has(r.event.EventId)) byId.set(r.event.EventId, r);
  return [...byId.values()].sort((a, b) => (b.event.EventTime?.getTime() ?? 0) - (a.event.EventTime?.getTime() ?? 0)).slice(0, RECENT);
}

interface ActivityList {
  id: string;
  title?: string;
  lookups: { attr: LookupAttributeKey; value: string }[];
  links: { label: string; href: string }[];
}

/**
 * A "recent activity" card: for each list, the last events of its lookups and links to the event
 * history filtered the same way. A principal who may not look events up gets one quiet line
 * saying so (the page it sits on is about something else), with AWS's reason on demand.
 */
async function activityCard(rq: Rq, lists: ActivityList[]): Promise<SafeHtml> {
  const t = rq.t;
  const allowed = await can(rq, 'cloudtrail:LookupEvents', '*');
  if (!allowed.allowed) {
    return html`<section class="card" id="recent-activity"><h2>${t('audit.recent')}</h2>${degraded(t('audit.recentDenied'))}\
${allowed.reason ? html`<details class="reason-more"><summary>${t('fix.deniedWhy')}</summary><code lang="en">${allowed.reason}</code></details>` : ''}</section>`;
  }
  const loaded = await Promise.all(lists.map(async (list) => ({ list, rows: await load(rq, () => recent(rq, list.lookups)) })));
  return html`<section class="card" id="recent-activity"><h2>${t('audit.recent')}</h2>${loaded.map(
    ({ list, rows }) => html`<div class="recent" id="${list.id}">${list.title ? html`<h3>${list.title}</h3>` : ''}\
${
  rows.ok
    ? rows.value.length === 0
      ? html`<p class="empty">${t('audit.recentNone')}</p>`
      : eventsTable(rq, rows.value, `${list.id}-events`)
    : loadFailed(rq, t('audit.recent'), rows.reason)
}
<p class="links">${list.links.map((l) => html`<a href="${l.href}">${l.label}</a> `)}</p></div>`,
  )}</section>`;
}

/** A user's recent activity: what it did and what was done to it; then each of its access keys'. */
export function userActivity(rq: Rq, userName: string, accessKeyIds: string[]): Promise<SafeHtml> {
  const t = rq.t;
  return activityCard(rq, [
    {
      id: 'recent-user',
      lookups: [
        { attr: 'Username', value: userName },
        { attr: 'ResourceName', value: userName },
      ],
      links: [
        { label: t('audit.recentBy'), href: auditHref('Username', userName) },
        { label: t('audit.recentOn'), href: auditHref('ResourceName', userName) },
      ],
    },
    ...accessKeyIds.map((key) => ({
      id: `recent-key-${key}`,
      title: t('audit.recentKeyTitle', { key }),
      lookups: [
        { attr: 'AccessKeyId' as const, value: key },
        { attr: 'ResourceName' as const, value: key },
      ],
      links: [{ label: t('audit.recentKey', { key }), href: auditHref('AccessKeyId', key) }],
    })),
  ]);
}

/** A role's recent activity: the events that name it (by name, or by ARN as AssumeRole does). */
export function roleActivity(rq: Rq, roleName: string, roleArn: string): Promise<SafeHtml> {
  return activityCard(rq, [
    {
      id: 'recent-role',
      lookups: [
        { attr: 'ResourceName', value: roleName },
        { attr: 'ResourceName', value: roleArn },
      ],
      links: [{ label: rq.t('audit.recentRole'), href: auditHref('ResourceName', roleName) }],
    },
  ]);
}
