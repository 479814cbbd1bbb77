// Service last accessed reports: which services a user, group, role or managed policy allows (its
// permissions policies, as AWS reads them for these reports), and when its users and roles last
// attempted each (src/authz/activity.ts records the attempts). A report is computed when it is
// generated and kept as a job, which only the caller that generated it may read.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html
import { awsError } from '../errors/messages.ts';
import { parsePolicy, type PolicyDocument } from '../policy/index.ts';
import type { ActionContext } from '../actions/context.ts';
import type {
  AccessAdvisorUsageGranularityType,
  EntityDetails,
  PolicyGrantingServiceAccess,
  PolicyOwnerEntityType,
  ServiceLastAccessed,
} from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import type { AccessReportJobTable, ServiceActivityTable } from '../store/schema.ts';
import { arnOf, authorizeOnEntity } from './common.ts';
import { defaultPolicyDocument, findManagedPolicy, type ManagedPolicyView } from './policy-lookup.ts';
import { allowMatcher, type AllowMatcher, knownServices, trackedActions } from './report-services.ts';

/** AWS reports activity for at least the last 400 days. */
export const TRACKING_PERIOD_MS = 400 * 86_400_000;
/** How long iamd keeps a report job (AWS does not say how long it keeps them). */
export const JOB_RETENTION_MS = 30 * 86_400_000;

/** What a report is about: a user, group or role, or a managed policy. */
export type ReportTarget =
  | { kind: 'user' | 'group' | 'role'; arn: string; entity: EntityRow<unknown> }
  | { kind: 'policy'; arn: string; policy: ManagedPolicyView };

const IAM_ARN = /^arn:[\w-]+:iam::(\d{12}|aws):(user|group|role|policy)(\/(?:.*\/)?)([^/]+)$/;

/**
 * The entity an ARN names, authorized for `action` on its ARN before anything about it is told:
 * InvalidInput for an ARN of another kind, NoSuchEntity when it does not exist.
 */
export async function resolveTarget(
  repo: Repo,
  ctx: ActionContext,
  action: string,
  arn: string,
  kinds: readonly ReportTarget['kind'][],
): Promise<ReportTarget> {
  const m = IAM_ARN.exec(arn);
  const kind = m?.[2] as ReportTarget['kind'] | undefined;
  if (!m || !kind || !kinds.includes(kind) || (m[1] === 'aws' && kind !== 'policy')) {
    await ctx.authorize(action, arn);
    throw awsError('arnInvalid', { arn });
  }
  if (kind === 'policy') {
    const policy = await findManagedPolicy(repo, ctx, arn);
    await ctx.authorize(action, policy?.arn ?? arn);
    if (!policy) throw awsError('policyNotFound', { arn });
    return { kind, arn: policy.arn, policy };
  }
  const [, account, , path, name] = m as unknown as [string, string, string, string, string];
  if (account !== ctx.caller.accountId) {
    await ctx.authorize(action, arn);
    throw awsError('entityNotFound', { kind, name });
  }
  const entity = await authorizeOnEntity(repo, ctx, action, kind, name);
  if (entity.path !== path) throw awsError('entityNotFound', { kind, name });
  return { kind, arn: arnOf(ctx, entity), entity };
}

/** A permissions policy of the target, as ListPoliciesGrantingServiceAccess lists it, with what it allows. */
export interface GrantingPolicy {
  listed: PolicyGrantingServiceAccess;
  allows: AllowMatcher;
}

function parsed(text: string | undefined): PolicyDocument | undefined {
  return text === undefined ? undefined : parsePolicy(text, 'identity', { stored: true }).document;
}

async function policiesOfEntity(
  repo: Repo,
  ctx: ActionContext,
  entity: EntityRow<unknown>,
  type: PolicyOwnerEntityType,
  seen: Set<string>,
): Promise<GrantingPolicy[]> {
  const out: GrantingPolicy[] = [];
  for (const inline of await repo.listInlinePolicies(entity.id)) {
    const document = parsed(inline.document);
    if (document)
      out.push({ listed: { PolicyName: inline.name, PolicyType: 'INLINE', EntityType: type, EntityName: entity.name }, allows: allowMatcher(document) });
  }
  for (const arn of await repo.attachedPolicyArns(entity.id)) {
    const view = await findManagedPolicy(repo, ctx, arn);
    if (!view || seen.has(view.arn)) continue;
    seen.add(view.arn);
    const document = parsed(await defaultPolicyDocument(repo, ctx, view.arn));
    if (document) out.push({ listed: { PolicyName: view.name, PolicyType: 'MANAGED', PolicyArn: view.arn }, allows: allowMatcher(document) });
  }
  return out;
}

/**
 * The permissions policies of the target: a user's own and its groups', a group's or a role's own
 * (permissions boundaries are not among them), or the managed policy itself.
 */
export async function permissionPolicies(repo: Repo, ctx: ActionContext, target: ReportTarget): Promise<GrantingPolicy[]> {
  if (target.kind === 'policy') {
    const document = parsed(await defaultPolicyDocument(repo, ctx, target.policy.arn));
    return document
      ? [{ listed: { PolicyName: target.policy.name, PolicyType: 'MANAGED', PolicyArn: target.policy.arn }, allows: allowMatcher(document) }]
      : [];
  }
  const seen = new Set<string>();
  const type: PolicyOwnerEntityType = target.kind === 'user' ? 'USER' : target.kind === 'group' ? 'GROUP' : 'ROLE';
  const out = await policiesOfEntity(repo, ctx, target.entity, type, seen);
  if (target.kind === 'user') {
    for (const groupId of await repo.groupIdsOfUser(target.entity.id)) {
      const group = await repo.getEntityById(groupId);
      if (group) out.push(...(await policiesOfEntity(repo, ctx, group, 'GROUP', seen)));
    }
  }
  return out;
}

/** The users and roles whose attempts a report counts: the user or role itself, a group's members, a policy's users and roles. */
async function reportEntities(repo: Repo, ctx: ActionContext, target: ReportTarget): Promise<EntityRow<unknown>[]> {
  const ids = new Set<string>();
  const addGroup = async (groupId: string) => {
    for (const id of await repo.userIdsOfGroup(groupId)) ids.add(id);
  };
  if (target.kind !== 'policy') {
    if (target.kind !== 'group') return [target.entity];
    await addGroup(target.entity.id);
  } else {
    for (const e of await repo.getEntitiesByIds(await repo.entityIdsAttachedTo(target.policy.arn))) {
      // An AWS managed policy is attached in many accounts: only the caller's count.
      if (e.accountId !== ctx.caller.accountId) continue;
      if (e.kind === 'group') await addGroup(e.id);
      else if (e.kind === 'user' || e.kind === 'role') ids.add(e.id);
    }
  }
  return repo.getEntitiesByIds([...ids]);
}

// ---- the report as a job keeps it

interface LastUse {
  at: string;
  entityArn: string;
  region: string;
}

export interface ReportedAction {
  name: string;
  last?: LastUse;
}

export interface ReportedService {
  namespace: string;
  name: string;
  last?: LastUse;
  total: number;
  /** ACTION_LEVEL reports, for services with tracked actions of which at least one was used. */
  actions?: ReportedAction[];
}

export interface ReportedEntity {
  arn: string;
  name: string;
  type: PolicyOwnerEntityType;
  id: string;
  path: string;
  /** When it last attempted each service (namespace → ISO time). */
  last: Record<string, string>;
}

export interface ServiceReport {
  granularity: AccessAdvisorUsageGranularityType;
  services: ReportedService[];
  entities: ReportedEntity[];
}

function latest(uses: LastUse[]): LastUse | undefined {
  let best: LastUse | undefined;
  for (const u of uses) if (!best || u.at > best.at) best = u;
  return best;
}

/** The report for the target as things are at `now`. */
export async function buildServiceReport(
  repo: Repo,
  ctx: ActionContext,
  target: ReportTarget,
  granularity: AccessAdvisorUsageGranularityType,
  now: Date,
): Promise<ServiceReport> {
  const allows = (await permissionPolicies(repo, ctx, target)).map((p) => p.allows);
  const known = await knownServices(repo, ctx.caller.accountId);
  const namespaces = [...known.keys()].filter((ns) => allows.some((a) => a.service(ns))).sort();

  const since = new Date(now.getTime() - TRACKING_PERIOD_MS).toISOString();
  const entities = (await reportEntities(repo, ctx, target)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const activity: { entity: EntityRow<unknown>; arn: string; rows: ServiceActivityTable[] }[] = [];
  for (const entity of entities) activity.push({ entity, arn: arnOf(ctx, entity), rows: await repo.serviceActivityOf(entity.id, since) });
  const usesOf = (service: string, action: string): LastUse[] =>
    activity.flatMap(({ arn, rows }) =>
      rows.filter((r) => r.service === service && r.action === action).map((r) => ({ at: r.last_at, entityArn: arn, region: r.region })),
    );

  const services: ReportedService[] = [];
  for (const namespace of namespaces) {
    const uses = usesOf(namespace, '');
    const service: ReportedService = { namespace, name: known.get(namespace)!, last: latest(uses), total: uses.length };
    if (granularity === 'ACTION_LEVEL') {
      const allowed = (await trackedActions(namespace)).filter((action) => allows.some((a) => a.action(namespace, action)));
      const actions = allowed.sort().map((name) => ({ name, last: latest(usesOf(namespace, name)) }));
      // AWS: null when the principal used none of the service's tracked actions in the period.
      if (actions.some((a) => a.last)) service.actions = actions;
    }
    services.push(service);
  }

  const allowed = new Set(namespaces);
  const reported = activity.map(({ entity, arn, rows }) => ({
    arn,
    name: entity.name,
    type: (entity.kind === 'role' ? 'ROLE' : 'USER') as PolicyOwnerEntityType,
    id: entity.id,
    path: entity.path,
    last: Object.fromEntries(rows.filter((r) => r.action === '' && allowed.has(r.service)).map((r) => [r.service, r.last_at])),
  }));
  return { granularity, services, entities: reported };
}

/** A service of the report as GetServiceLastAccessedDetails answers it. */
export function serviceOutput(s: ReportedService): ServiceLastAccessed {
  const out: ServiceLastAccessed = { ServiceName: s.name, ServiceNamespace: s.namespace };
  if (s.last) {
    out.LastAuthenticated = new Date(s.last.at);
    out.LastAuthenticatedEntity = s.last.entityArn;
    out.LastAuthenticatedRegion = s.last.region;
  }
  out.TotalAuthenticatedEntities = s.total;
  if (s.actions) {
    out.TrackedActionsLastAccessed = s.actions.map((a) =>
      a.last
        ? { ActionName: a.name, LastAccessedEntity: a.last.entityArn, LastAccessedTime: new Date(a.last.at), LastAccessedRegion: a.last.region }
        : { ActionName: a.name },
    );
  }
  return out;
}

/**
 * The entities of the report that could have used it to access the service, most recent attempt
 * first, then those that made none (by name); none when the report does not list the service.
 */
export function entitiesFor(report: ServiceReport, namespace: string): EntityDetails[] {
  if (!report.services.some((s) => s.namespace === namespace)) return [];
  const details = report.entities.map((e) => ({ e, at: e.last[namespace] }));
  details.sort((a, b) => (a.at === b.at ? (a.e.name < b.e.name ? -1 : 1) : a.at === undefined ? 1 : b.at === undefined ? -1 : a.at > b.at ? -1 : 1));
  return details.map(({ e, at }) => ({
    EntityInfo: { Arn: e.arn, Name: e.name, Type: e.type, Id: e.id, Path: e.path },
    ...(at ? { LastAuthenticated: new Date(at) } : {}),
  }));
}

/**
 * A job of the caller's account that the caller generated, of the given kind, not yet expired;
 * else NoSuchEntity (another caller's job is as unknown as a job that never was).
 */
export async function ownJob(repo: Repo, ctx: ActionContext, jobId: string, kind: string): Promise<AccessReportJobTable> {
  const job = await repo.getAccessReportJob(jobId);
  const expired = job !== undefined && ctx.request.now.getTime() - new Date(job.created_at).getTime() > JOB_RETENTION_MS;
  if (!job || expired || job.kind !== kind || job.account_id !== ctx.caller.accountId || job.owner_arn !== ctx.caller.arn) {
    throw awsError('accessReportJobNotFound', { jobId });
  }
  return job;
}

/** The resource of GenerateOrganizationsAccessReport: `arn:PARTITION:iam::ACCOUNT:access-report/ENTITY_PATH`. */
export function accessReportArn(ctx: ActionContext, entityPath: string): string {
  return `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:access-report/${entityPath}`;
}

/**
 * Why an Organizations access report fails for every iamd account: none is in an organization.
 * The code and words are AWS Organizations' own for an account outside any organization.
 */
export const NOT_IN_ORGANIZATION = { Code: 'AWSOrganizationsNotInUseException', Message: 'Your account is not a member of an organization.' } as const;
