// Outbound web identity federation: the account's switch for GetWebIdentityToken and its issuer URL.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOutboundWebIdentityFederation.html
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetOutboundWebIdentityFederationInfo.html
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DisableOutboundWebIdentityFederation.html
import { randomUUID } from 'node:crypto';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import { awsError } from '../errors/messages.ts';
import { issuerUrl, keysDue, rotateKeys } from './outbound-issuer.ts';

/** Account-level actions with no resource type in the Service Authorization Reference. */
const ANY = '*';

/** The base of the URLs iamd publishes (app.ts always sets it). */
export function publicUrlOf(ctx: ActionContext): string {
  const url = ctx.services.publicUrl;
  if (!url) throw new Error('Services.publicUrl is not set');
  return url;
}

export const outboundFederationHandlers = {
  async EnableOutboundWebIdentityFederation(ctx) {
    await ctx.authorize('iam:EnableOutboundWebIdentityFederation', ANY);
    const account = ctx.caller.accountId;
    const now = ctx.request.now;
    const before = await ctx.services.store.read(async (repo) => ({
      federation: await repo.getOutboundFederation(account),
      keys: await repo.listOutboundSigningKeys(account),
    }));
    if (before.federation?.enabled === 1) throw awsError('outboundFederationEnabled');
    // Made before the transaction: generating an RSA key takes longer than the write.
    const fresh = await keysDue(ctx.services.secrets, account, before.keys, now);
    const issuerId = await ctx.services.store.write(async (repo) => {
      const federation = await repo.getOutboundFederation(account);
      if (federation?.enabled === 1) throw awsError('outboundFederationEnabled');
      let id: string;
      if (federation) {
        // The issuer stays the one first enabled: external services trust it by its URL.
        id = federation.issuer_id;
        await repo.setOutboundFederationEnabled(account, true, now);
      } else {
        id = randomUUID();
        const at = now.toISOString();
        await repo.insertOutboundFederation({ account_id: account, issuer_id: id, enabled: 1, created_at: at, updated_at: at, disabled_at: null });
      }
      await rotateKeys(repo, account, fresh, now);
      return id;
    });
    return { IssuerIdentifier: issuerUrl(publicUrlOf(ctx), issuerId) };
  },

  // "This operation does not affect tokens that were issued before the feature was disabled": the
  // issuer's documents stay published until they have all expired (outbound-issuer.ts).
  async DisableOutboundWebIdentityFederation(ctx) {
    await ctx.authorize('iam:DisableOutboundWebIdentityFederation', ANY);
    const account = ctx.caller.accountId;
    return ctx.services.store.write(async (repo) => {
      const federation = await repo.getOutboundFederation(account);
      if (federation?.enabled !== 1) throw awsError('outboundFederationDisabled');
      await repo.setOutboundFederationEnabled(account, false, ctx.request.now);
      return undefined;
    });
  },

  // Once enabled, the issuer is the account's for good: disabled, it is reported with JwtVendingEnabled false.
  async GetOutboundWebIdentityFederationInfo(ctx) {
    await ctx.authorize('iam:GetOutboundWebIdentityFederationInfo', ANY);
    const federation = await ctx.services.store.read((repo) => repo.getOutboundFederation(ctx.caller.accountId));
    if (!federation) throw awsError('outboundFederationDisabled');
    return { IssuerIdentifier: issuerUrl(publicUrlOf(ctx), federation.issuer_id), JwtVendingEnabled: federation.enabled === 1 };
  },
} satisfies IamHandlers;
