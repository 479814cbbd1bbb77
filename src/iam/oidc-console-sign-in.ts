// iamd's extension operations for console sign-in through an IAM OIDC provider (models/iamd.json):
// UpdateOpenIDConnectProviderConsoleSignIn stores which OAuth client the console is at the
// provider (OidcProviderData.consoleSignIn), GetOpenIDConnectProviderConsoleSignIn reads it back.
// The client secret is sealed with the master key, bound to the provider's id, and never returned:
// only whether one is set. The sign-in flow itself is the console's (src/api/console/sso.ts).
import type { ActionContext } from '../actions/context.ts';
import type { OpenIDConnectProviderConsoleSignIn } from '../actions/generated/iamd.ts';
import type { IamdHandlers } from '../actions/registry.ts';
import { iamArn } from '../domain/arn.ts';
import { awsError } from '../errors/messages.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { resourceTagContext } from './common.ts';
import { OIDC_PROVIDER_KIND, type OidcProviderData } from './oidc-provider-data.ts';

/** The additional data the sealed client secret is bound to: a secret copied to another provider does not open. */
export function consoleClientSecretRecord(providerId: string): string {
  return `oidc-console-client-secret:${providerId}`;
}

/** The account and entity name an OIDC provider ARN names, or undefined when it is not one. */
export function parseOidcProviderArn(arn: string): { partition: string; accountId: string; name: string } | undefined {
  const m = /^arn:([\w-]+):iam::(\d{12}):oidc-provider\/(.+)$/.exec(arn);
  return m ? { partition: m[1]!, accountId: m[2]!, name: m[3]! } : undefined;
}

/**
 * The caller's provider the ARN names, authorized for `action` first (on the provider's own ARN, or
 * on the ARN as given when there is no such provider, so an unauthorized caller learns nothing).
 */
async function authorizedProvider(repo: Repo, ctx: ActionContext, action: string, arn: string): Promise<EntityRow<OidcProviderData>> {
  const parsed = parseOidcProviderArn(arn);
  const mine = parsed && parsed.accountId === ctx.caller.accountId && parsed.partition === ctx.caller.partition;
  const provider = mine ? await repo.getEntityByName<OidcProviderData>(parsed.accountId, OIDC_PROVIDER_KIND, parsed.name) : undefined;
  const resource = provider ? iamArn(ctx.caller.partition, provider.accountId, 'oidc-provider', provider.path, provider.name) : arn;
  await ctx.authorize(action, resource, provider ? await resourceTagContext(repo, ctx, provider.id) : undefined);
  if (!provider) throw awsError('oidcProviderNotFound', { arn });
  return provider;
}

function view(ctx: ActionContext, provider: EntityRow<OidcProviderData>): OpenIDConnectProviderConsoleSignIn {
  const arn = iamArn(ctx.caller.partition, provider.accountId, 'oidc-provider', provider.path, provider.name);
  const signIn = provider.data.consoleSignIn;
  if (!signIn) return { OpenIDConnectProviderArn: arn, Enabled: false };
  return {
    OpenIDConnectProviderArn: arn,
    Enabled: true,
    ClientId: signIn.clientId,
    DisplayName: signIn.displayName,
    ClientSecretSet: signIn.clientSecretSealed !== undefined,
  };
}

export const oidcConsoleSignInHandlers = {
  async UpdateOpenIDConnectProviderConsoleSignIn(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const provider = await authorizedProvider(repo, ctx, 'iamd:UpdateOpenIDConnectProviderConsoleSignIn', input.OpenIDConnectProviderArn);
      const data: OidcProviderData = { ...provider.data };
      if (!input.Enabled) {
        delete data.consoleSignIn;
      } else {
        const clientId = input.ClientId;
        const displayName = input.DisplayName?.trim();
        if (clientId === undefined || !displayName) throw awsError('oidcConsoleSignInIncomplete');
        // The ID token's audience is this client: AssumeRoleWithWebIdentity would refuse a token
        // for a client the provider does not list, and so does the console.
        if (!provider.data.clientIds.includes(clientId)) throw awsError('oidcConsoleClientIdUnknown', { clientId, arn: input.OpenIDConnectProviderArn });
        const previous = provider.data.consoleSignIn;
        const clientSecretSealed =
          input.ClientSecret !== undefined
            ? ctx.services.secrets.seal(input.ClientSecret, consoleClientSecretRecord(provider.id))
            : previous?.clientId === clientId
              ? previous.clientSecretSealed
              : undefined;
        data.consoleSignIn = { clientId, displayName, ...(clientSecretSealed !== undefined ? { clientSecretSealed } : {}) };
      }
      await repo.updateEntity(provider.id, { data });
      return view(ctx, { ...provider, data });
    });
  },

  async GetOpenIDConnectProviderConsoleSignIn(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const provider = await authorizedProvider(repo, ctx, 'iamd:GetOpenIDConnectProviderConsoleSignIn', input.OpenIDConnectProviderArn);
      return view(ctx, provider);
    });
  },
} satisfies IamdHandlers;
