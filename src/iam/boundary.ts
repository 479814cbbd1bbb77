// Permissions boundaries: a managed policy (customer or AWS) named by ARN.
import { AwsError, invalidInput } from '../errors/aws-error.ts';
import type { ActionContext } from '../actions/context.ts';
import type { Repo } from '../store/repo.ts';
import { findManagedPolicy } from './policy-lookup.ts';

/** Checks that a boundary ARN names an existing managed policy; returns its ARN as stored. */
export async function checkBoundaryArn(repo: Repo, ctx: ActionContext, arn: string): Promise<string> {
  if (!/^arn:[\w-]+:iam::(aws|\d{12}):policy\//.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
  const policy = await findManagedPolicy(repo, ctx, arn);
  if (!policy) throw new AwsError('NoSuchEntity', `Scope ARN: ${arn} does not exist or is not attachable.`);
  return policy.arn;
}
