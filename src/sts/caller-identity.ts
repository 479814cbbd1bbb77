// STS GetCallerIdentity: who signed this request. Needs no permission, as on AWS.
import type { Handler } from '../actions/registry.ts';

export const callerIdentityHandlers: Record<string, Handler> = {
  async GetCallerIdentity(ctx) {
    return { UserId: ctx.caller.userId, Account: ctx.caller.accountId, Arn: ctx.caller.arn };
  },
};
