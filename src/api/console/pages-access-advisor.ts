// Access Advisor (last accessed), the tab AWS's console shows on users, groups and roles: the
// services the entity's policies allow and when it (or, for a group, a member) last used each.
// Opening it generates a report (GenerateServiceLastAccessedDetails), which iamd completes at once,
// and reads it (GetServiceLastAccessedDetails), both through call() as the signed-in principal.
import { APP, arnOf, call, fmtDate, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { load, section } from './sections.ts';

const KINDS = { users: 'user', groups: 'group', roles: 'role' } as const;
type Kind = keyof typeof KINDS;

/** GET /(users|groups|roles)/NAME/access-advisor. */
export async function accessAdvisorPage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const kind = params.kind as Kind;
  const name = params.name ?? '';
  // The entity's ARN with its path: from Get{User,Group,Role} (a user without it gets its reason).
  const entity = await load(rq, async () => {
    if (kind === 'users') return (await call(rq, 'GetUser', { UserName: name })).User?.Arn;
    if (kind === 'groups') return (await call(rq, 'GetGroup', { GroupName: name, MaxItems: 1 })).Group?.Arn;
    return (await call(rq, 'GetRole', { RoleName: name })).Role?.Arn;
  });
  const arn = (entity.ok ? entity.value : undefined) ?? arnOf(rq, KINDS[kind], name);
  const report = await load(rq, async () => {
    const { JobId } = await call(rq, 'GenerateServiceLastAccessedDetails', { Arn: arn });
    const services = [];
    let marker: string | undefined;
    do {
      const page = await call(rq, 'GetServiceLastAccessedDetails', { JobId: JobId ?? '', Marker: marker });
      services.push(...(page.ServicesLastAccessed ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return services;
  });
  const back = `${APP}/${kind}/${encodeURIComponent(name)}`;
  const body = html`<nav class="tabs" aria-label="${name}"><a href="${back}">${t('advisor.back')}</a> <span aria-current="page">${t('advisor.tab')}</span></nav>
<section class="card" id="access-advisor"><p class="hint">${t('advisor.intro')}</p><p><code>${arn}</code></p>
${section(rq, t('advisor.tab'), report, (services) =>
  services.length === 0
    ? html`<p class="empty" id="advisor-none">${t('advisor.none')}</p>`
    : html`<table class="list" id="advisor-table"><thead><tr><th scope="col">${t('advisor.service')}</th><th scope="col">${t('advisor.namespace')}</th>\
<th scope="col">${t('advisor.lastAccessed')}</th><th scope="col">${t('advisor.entity')}</th><th scope="col">${t('advisor.region')}</th></tr></thead><tbody>${services.map(
        (s) => html`<tr data-namespace="${s.ServiceNamespace}"><td>${s.ServiceName}</td><td><code>${s.ServiceNamespace}</code></td>\
<td>${s.LastAuthenticated ? fmtDate(rq, s.LastAuthenticated) : t('advisor.notAccessed')}</td><td>${s.LastAuthenticatedEntity ?? ''}</td><td>${s.LastAuthenticatedRegion ?? ''}</td></tr>`,
      )}</tbody></table>`,
)}</section>`;
  send(rq, 200, layout(rq, `${name}: ${t('advisor.tab')}`, body, `/${kind}`));
}

/** The tabs above a user's, group's or role's page: Access Advisor, and a user's other credentials. */
export function entityTabs(rq: Rq, kind: Kind, name: string): ReturnType<typeof html> {
  const t = rq.t;
  const base = `${APP}/${kind}/${encodeURIComponent(name)}`;
  return html`<nav class="tabs" id="entity-tabs" aria-label="${name}"><a href="${base}/access-advisor" id="access-advisor-link">${t('advisor.tab')}</a>\
${kind === 'users' ? html` <a href="${base}/credentials" id="other-credentials-link">${t('ucreds.title')}</a>` : ''}</nav>`;
}
