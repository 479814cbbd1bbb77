// Managed policies by ARN, wherever they live: AWS's catalogue (arn:PARTITION:iam::aws:policy/…)
// or the account's customer-managed policies (entities of kind 'policy' with stored versions).
import { awsManagedPolicy, type AwsManagedPolicy } from '../catalog/aws-managed-policies.ts';
import { iamArn, parsePolicyArn } from '../domain/arn.ts';
import type { ActionContext } from '../actions/context.ts';
import type { EntityRow, Repo } from '../store/repo.ts';

export interface CustomerPolicyData {
  defaultVersionId: string;
  nextVersion: number;
  description?: string;
  updatedAt: string;
}

export interface ManagedPolicyView {
  arn: string;
  name: string;
  id: string;
  path: string;
  awsManaged: boolean;
  defaultVersionId: string;
  createDate: Date;
  updateDate: Date;
  description?: string;
  /** Only for customer-managed policies. */
  entity?: EntityRow<CustomerPolicyData>;
}

export async function findManagedPolicy(repo: Repo, ctx: ActionContext, arn: string): Promise<ManagedPolicyView | undefined> {
  const parsed = parsePolicyArn(arn);
  if (!parsed) return undefined;
  if (parsed.account === 'aws') {
    const p = awsManagedPolicy(arn);
    return p && awsPolicyView(ctx.caller.partition, p);
  }
  if (parsed.account !== ctx.caller.accountId) return undefined;
  const e = await repo.getEntityByName<CustomerPolicyData>(ctx.caller.accountId, 'policy', parsed.name);
  if (!e || e.path !== parsed.path) return undefined;
  // INVARIANT: the stored spelling, never the request's: names match whatever their case, and the
  // policies that guard this policy must see (and attachments must store) the one true ARN.
  return customerPolicyView(ctx.caller.partition, e);
}

/** An AWS managed policy as every policy operation shows it, its ARN in the served partition. */
export function awsPolicyView(partition: string, p: AwsManagedPolicy): ManagedPolicyView {
  return {
    arn: `arn:${partition}${p.arn.slice('arn:aws'.length)}`,
    name: p.name,
    id: p.id,
    path: p.path,
    awsManaged: true,
    defaultVersionId: p.defaultVersionId,
    createDate: p.createDate,
    updateDate: p.updateDate,
  };
}

/** A customer-managed policy as every policy operation shows it, with its ARN as stored. */
export function customerPolicyView(partition: string, e: EntityRow<CustomerPolicyData>): ManagedPolicyView {
  return {
    arn: iamArn(partition, e.accountId, 'policy', e.path, e.name),
    name: e.name,
    id: e.id,
    path: e.path,
    awsManaged: false,
    defaultVersionId: e.data.defaultVersionId,
    createDate: e.createdAt,
    updateDate: new Date(e.data.updatedAt),
    description: e.data.description,
    entity: e,
  };
}

/**
 * The ARN a request's policy ARN stands for, as stored (for `iam:PolicyARN` and
 * `iam:PermissionsBoundary` in the request context); the request's text when it names no policy.
 */
export async function canonicalPolicyArn(repo: Repo, ctx: ActionContext, arn: string): Promise<string> {
  return (await findManagedPolicy(repo, ctx, arn))?.arn ?? arn;
}

/** The default version's document of a managed policy (as written). */
export async function defaultPolicyDocument(repo: Repo, ctx: ActionContext, arn: string): Promise<string | undefined> {
  const parsed = parsePolicyArn(arn);
  if (!parsed) return undefined;
  if (parsed.account === 'aws') return awsManagedPolicy(arn)?.document;
  const view = await findManagedPolicy(repo, ctx, arn);
  if (!view?.entity) return undefined;
  const versions = await repo.listPolicyVersions(view.entity.id);
  return versions.find((v) => v.isDefault)?.document;
}
