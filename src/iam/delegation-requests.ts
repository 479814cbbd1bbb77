// Temporary access delegation: an AWS partner files a delegation request for permissions in a
// customer's account, the customer accepts it, and the partner trades the token IAM sends it for
// credentials (STS GetDelegatedAccessToken). Only partners AWS has onboarded may file requests,
// and iamd onboards none: CreateDelegationRequest is refused, no request ever exists, so every
// operation on one answers NoSuchEntity and the list is empty. Each authorizes first, on the
// request's ARN (arn:PARTITION:iam::ACCOUNT:delegation-request/ID), as the Service Authorization
// Reference gives it.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/temporary-delegation.html
import { awsError } from '../errors/messages.ts';
import { parseArn } from '../domain/arn.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';

function delegationRequestArn(ctx: ActionContext, id: string): string {
  return `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:delegation-request/${id}`;
}

/** Authorizes the action on the request, then answers that it does not exist (none can). */
async function noSuchRequest(ctx: ActionContext, action: string, id: string): Promise<never> {
  await ctx.authorize(action, delegationRequestArn(ctx, id));
  throw awsError('delegationRequestNotFound', { id });
}

/** The id of a delegation request's ARN, or undefined for any other ARN. */
function delegationRequestIdOf(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'iam' || parsed.region !== '' || !parsed.resource.startsWith('delegation-request/')) return undefined;
  const id = parsed.resource.slice('delegation-request/'.length);
  return /^[\w-]{16,128}$/.test(id) ? id : undefined;
}

export const delegationRequestHandlers = {
  async CreateDelegationRequest(ctx, input) {
    const context: Record<string, string> = {
      'iam:DelegationDuration': String(input.SessionDuration),
      'iam:NotificationChannel': input.NotificationChannel,
    };
    if (input.Permissions.PolicyTemplateArn !== undefined) context['iam:TemplateArn'] = input.Permissions.PolicyTemplateArn;
    await ctx.authorize('iam:CreateDelegationRequest', delegationRequestArn(ctx, '*'), context);
    throw awsError('delegationPartnerNotOnboarded', { account: ctx.caller.accountId });
  },

  async GetDelegationRequest(ctx, input) {
    return noSuchRequest(ctx, 'iam:GetDelegationRequest', input.DelegationRequestId);
  },

  async ListDelegationRequests(ctx, input) {
    await ctx.authorize('iam:ListDelegationRequests', '*', input.OwnerId !== undefined ? { 'iam:DelegationRequestOwner': input.OwnerId } : undefined);
    // A request the caller could see has an owner (the docs); no request exists here at all.
    return { DelegationRequests: [], isTruncated: false };
  },

  async AcceptDelegationRequest(ctx, input) {
    return noSuchRequest(ctx, 'iam:AcceptDelegationRequest', input.DelegationRequestId);
  },

  async AssociateDelegationRequest(ctx, input) {
    return noSuchRequest(ctx, 'iam:AssociateDelegationRequest', input.DelegationRequestId);
  },

  async RejectDelegationRequest(ctx, input) {
    return noSuchRequest(ctx, 'iam:RejectDelegationRequest', input.DelegationRequestId);
  },

  async UpdateDelegationRequest(ctx, input) {
    return noSuchRequest(ctx, 'iam:UpdateDelegationRequest', input.DelegationRequestId);
  },

  async SendDelegationToken(ctx, input) {
    return noSuchRequest(ctx, 'iam:SendDelegationToken', input.DelegationRequestId);
  },

  /** Summaries are written for delegation requests only (the API reference): none exists, other ARNs are refused. */
  async GetHumanReadableSummary(ctx, input) {
    await ctx.authorize('iam:GetHumanReadableSummary', input.EntityArn);
    const id = delegationRequestIdOf(input.EntityArn);
    if (id === undefined) throw awsError('humanReadableSummaryNotSupported', { arn: input.EntityArn });
    throw awsError('delegationRequestNotFound', { id });
  },
} satisfies IamHandlers;
