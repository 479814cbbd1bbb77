// Permissions boundaries: a managed policy (customer or AWS) named by ARN.
import { awsError } from '../errors/messages.ts';
import type { ActionContext } from '../actions/context.ts';
import type { Repo } from '../store/repo.ts';
import { findManagedPolicy } from './policy-lookup.ts';

/** Checks that a boundary ARN names an existing managed policy; returns its ARN as stored. */
export async function checkBoundaryArn(repo: Repo, ctx: ActionContext, arn: string): Promise<string> {
  if (!/^arn:[\w-]+:iam::(aws|\d{12}):policy\//.test(arn)) throw awsError('arnInvalid', { arn });
  const policy = await findManagedPolicy(repo, ctx, arn);
  if (!policy) throw awsError('boundaryNotAttachable', { arn });
  return policy.arn;
}
