// The policy editor shared by every page that takes a policy document (policies, inline
// policies, trust policies), and the endpoint that validates a document as it is typed.
import { unknownActionWarnings } from '../../catalog/iam-actions.ts';
import { parsePolicy, type Finding } from '../../policy/index.ts';
import { loadServiceCatalogues } from '../../protect/catalogue.ts';
import { catalogueFindings } from '../../protect/catalogue-findings.ts';
import { badJson, jsonObject, send, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';

/** The document a new policy starts from. */
export const EMPTY_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '', Resource: '*' }] }, null, 4);

/** POST /console/api/validate-policy {document, kind}: iamd's own findings, as you type. */
export async function validatePolicy(rq: Rq): Promise<void> {
  const body: { document?: unknown; kind?: unknown } | undefined = jsonObject(rq);
  if (!body) return badJson(rq);
  const kind = body.kind === 'trust' ? 'trust' : body.kind === 'resource' ? 'resource' : 'identity';
  // A managed policy's editor checks what CreatePolicy checks (Version 2012-10-17 required).
  const managed = body.kind === 'managed';
  const result = parsePolicy(typeof body.document === 'string' ? body.document : '', kind, { partition: rq.deps.services.partition, managed });
  // A valid document also gets warnings for actions that no AWS service defines, and Access
  // Analyzer-style findings for the services registered in the account's catalogues (advice only:
  // IAM accepts such policies, so they are warnings here whatever their findingType).
  let findings: (Finding & { findingType?: string })[] = result.findings;
  if (result.document) {
    const catalogues = rq.principal ? await loadServiceCatalogues(rq.deps.services.store, rq.principal.accountId) : [];
    const registered = new Set(catalogues.map((c) => c.Name));
    findings = [
      ...result.findings,
      ...(await unknownActionWarnings(result.document, registered)),
      ...catalogueFindings(result.document, catalogues).map((f) => ({
        severity: 'warning' as const,
        code: f.issueCode,
        path: f.path,
        message: f.findingDetails,
        findingType: f.findingType,
      })),
    ];
  }
  send(rq, 200, JSON.stringify({ valid: !findings.some((f) => f.severity === 'error'), findings }), 'application/json');
}

/**
 * The document's textarea (checked as it is typed by console.js) and the list of its findings.
 * `kind`: identity (inline), managed (a managed policy: Version 2012-10-17 required), trust, resource.
 */
export function policyEditor(rq: Rq, name: string, value: string, kind: 'identity' | 'managed' | 'trust' | 'resource' = 'identity'): SafeHtml {
  return html`<label>${rq.t('policies.document')}\
<textarea name="${name}" id="policy-document" rows="18" spellcheck="false" data-policy-editor="${kind}">${value}</textarea></label>
<ul class="findings" id="policy-findings" aria-live="polite"></ul>`;
}
