// STS AssumeRoot (a privileged session in a member account of the caller's AWS Organization) and
// GetDelegatedAccessToken (a partner trading a delegation request's token for credentials). Both
// need what iamd does not have: an organization with centralized root access, or an accepted
// delegation request (src/iam/delegation-requests.ts: none can exist). Each authorizes first, as
// AWS does, then answers as AWS answers a caller outside them.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html
import { awsError } from '../errors/messages.ts';
import { rootArn } from '../domain/arn.ts';
import type { StsHandlers } from '../actions/registry.ts';

/** The AWS managed policies a root session may be scoped to (AssumeRoot's TaskPolicyArn). */
export const ROOT_TASK_POLICIES: readonly string[] = [
  'IAMAuditRootUserCredentials',
  'IAMCreateRootUserPassword',
  'IAMDeleteRootUserCredentials',
  'S3UnlockBucketPolicy',
  'SQSUnlockQueuePolicy',
];

/** The account a TargetPrincipal names: an account ID, or its root user's ARN. */
function targetAccount(target: string, partition: string): string | undefined {
  if (/^\d{12}$/.test(target)) return target;
  const m = /^arn:([\w-]+):iam::(\d{12}):root$/.exec(target);
  return m && m[1] === partition ? m[2] : undefined;
}

export const rootSessionHandlers = {
  async AssumeRoot(ctx, input) {
    const caller = ctx.caller;
    const account = targetAccount(input.TargetPrincipal, caller.partition);
    if (account === undefined) throw awsError('assumeRootTargetInvalid', { target: input.TargetPrincipal });
    const resource = rootArn(caller.partition, account);
    const taskPolicy = input.TaskPolicyArn.arn ?? '';
    await ctx.authorize('sts:AssumeRoot', resource, { 'sts:TaskPolicyArn': taskPolicy });
    if (caller.type === 'Root') throw awsError('assumeRootByRoot');
    const prefix = `arn:${caller.partition}:iam::aws:policy/root-task/`;
    if (!taskPolicy.startsWith(prefix) || !ROOT_TASK_POLICIES.includes(taskPolicy.slice(prefix.length))) {
      throw awsError('assumeRootTaskPolicyInvalid', { arn: taskPolicy, partition: caller.partition });
    }
    // Only an organization's management account (or IAM's delegated administrator) may open a root
    // session in a member account, and an iamd account is in no organization.
    throw awsError('notAuthorized', { principal: caller.arn, action: 'sts:AssumeRoot', resource });
  },

  async GetDelegatedAccessToken(ctx) {
    // No resource type in the Service Authorization Reference.
    await ctx.authorize('sts:GetDelegatedAccessToken', '*');
    throw awsError('tradeInTokenExpired');
  },
} satisfies StsHandlers;
