// STS DecodeAuthorizationMessage: the details of an AccessDenied, for callers allowed to read them.
import { awsError } from '../errors/messages.ts';
import type { StsHandlers } from '../actions/registry.ts';
import { decodeAuthorizationMessage } from '../authz/authorization-message.ts';

export const authorizationMessageHandlers = {
  async DecodeAuthorizationMessage(ctx, input) {
    await ctx.authorize('sts:DecodeAuthorizationMessage', '*');
    const decoded = decodeAuthorizationMessage(ctx.services.secrets, input.EncodedMessage);
    if (decoded === undefined) throw awsError('invalidAuthorizationMessage');
    return { DecodedMessage: decoded };
  },
} satisfies StsHandlers;
