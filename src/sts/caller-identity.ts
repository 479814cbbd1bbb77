// STS GetCallerIdentity: who signed this request. Needs no permission, as on AWS.
import type { StsHandlers } from '../actions/registry.ts';

export const callerIdentityHandlers = {
  async GetCallerIdentity(ctx) {
    return { UserId: ctx.caller.userId, Account: ctx.caller.accountId, Arn: ctx.caller.arn };
  },
} satisfies StsHandlers;
