// The credential report (AWS console: IAM > Credential report): generate it
// (GenerateCredentialReport), read it as a table and download it as CSV (GetCredentialReport), as
// the signed-in principal through call(). AWS makes a new report at most every four hours.
import { AwsError } from '../../errors/aws-error.ts';
import { APP, call, fmtDate, flash, postButton, redirect, redirectWithError, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { load, section } from './sections.ts';

export const CREDENTIAL_REPORT_PATH = '/credential-report';
const PAGE = `${APP}${CREDENTIAL_REPORT_PATH}`;

/** The report's CSV (RFC 4180: a user name may hold a comma) as rows of fields. */
export function parseReport(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** The columns the page shows (all are in the download). */
const SHOWN = [
  'user',
  'arn',
  'password_enabled',
  'password_last_used',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_used_date',
  'access_key_2_active',
];

export async function credentialReportPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const report = await load(rq, () => call(rq, 'GetCredentialReport'));
  // No report yet (or an expired one) is not an error of the page: it says so and offers to generate.
  const missing = !report.ok && report.error instanceof AwsError && /^Report(NotPresent|Expired|InProgress)$/.test(report.error.code);
  const body = html`${flash(rq)}
<section class="card" id="credential-report"><p>${t('report.intro')}</p>
${postButton(rq, `${PAGE}/generate`, t('report.generate'), { id: 'report-generate' })}
${
  missing
    ? html`<p class="empty" id="report-none">${t('report.none')}</p>`
    : section(rq, t('report.title'), report, (r) => {
        const rows = parseReport(Buffer.isBuffer(r.Content) ? r.Content.toString('utf8') : String(r.Content ?? ''));
        const [header = [], ...data] = rows;
        const cols = SHOWN.map((name) => header.indexOf(name)).filter((i) => i >= 0);
        return html`<p id="report-generated">${t('report.generatedAt', { at: fmtDate(rq, r.GeneratedTime) })} \
<a class="button" id="report-download" href="${PAGE}/download" download="credential-report.csv">${t('report.download')}</a></p>
<div class="scroll"><table class="list" id="report-table"><thead><tr>${cols.map((i) => html`<th scope="col">${header[i] ?? ''}</th>`)}</tr></thead>
<tbody>${data.map((row) => html`<tr>${cols.map((i) => html`<td>${row[i] ?? ''}</td>`)}</tr>`)}</tbody></table></div>`;
      })
}</section>`;
  send(rq, 200, layout(rq, t('report.title'), body, CREDENTIAL_REPORT_PATH));
}

export async function postGenerateCredentialReport(rq: Rq): Promise<void> {
  try {
    await call(rq, 'GenerateCredentialReport');
  } catch (error) {
    return redirectWithError(rq, PAGE, error);
  }
  redirect(rq, `${PAGE}?ok=reportGenerated`);
}

/** GET /credential-report/download: the CSV as AWS gives it. */
export async function downloadCredentialReport(rq: Rq): Promise<void> {
  let content: string;
  try {
    const r = await call(rq, 'GetCredentialReport');
    content = Buffer.isBuffer(r.Content) ? r.Content.toString('utf8') : String(r.Content ?? '');
  } catch (error) {
    return redirectWithError(rq, PAGE, error);
  }
  rq.res.setHeader('content-disposition', 'attachment; filename="credential-report.csv"');
  send(rq, 200, content, 'text/csv; charset=utf-8');
}
