// Metrics in brief on the dashboard: what iamd counted since it started (requests, errors,
// authorization decisions, console sign-ins), as /metrics gives it (with --workers, every
// worker's). They are the whole server's, every account's together, so only the root user sees
// them, and only when metrics are on (--metrics).
import type { MetricSample } from '../../metrics/metrics.ts';
import { html, type SafeHtml } from './html.ts';
import type { Rq } from './core.ts';

/** The card, or nothing (metrics off, or not the root user). */
export async function metricsBrief(rq: Rq): Promise<SafeHtml | undefined> {
  const metrics = rq.deps.services.metrics;
  if (!metrics || rq.principal?.kind !== 'root') return undefined;
  const t = rq.t;
  const all = await metrics.samples();
  const values = (name: string) => all.get(name) ?? [];
  const sum = (name: string, keep: (s: MetricSample) => boolean = () => true) =>
    values(name)
      .filter(keep)
      .reduce((n, s) => n + s.value, 0);
  const rows: [string, string, number][] = [
    ['requests', t('metrics.requests'), sum('iamd_requests_total')],
    ['errors', t('metrics.errors'), sum('iamd_requests_total', (s) => s.labels.code !== '' && s.labels.code !== undefined)],
    ['allowed', t('metrics.allowed'), sum('iamd_authorization_decisions_total', (s) => s.labels.decision === 'allowed')],
    ['denied', t('metrics.denied'), sum('iamd_authorization_decisions_total', (s) => s.labels.decision !== 'allowed')],
    ['sign-ins', t('metrics.signIns'), sum('iamd_console_sign_ins_total', (s) => s.labels.outcome === 'success')],
    ['sign-in-failures', t('metrics.signInFailures'), sum('iamd_console_sign_ins_total', (s) => s.labels.outcome !== 'success')],
  ];
  return html`<section class="card" id="metrics-brief"><h2>${t('metrics.title')}</h2><p class="hint">${t('metrics.hint')}</p>
<ul class="counts">${rows.map(([id, label, n]) => html`<li><span class="count" id="metric-${id}">${String(n)}</span> ${label}</li>`)}</ul></section>`;
}
