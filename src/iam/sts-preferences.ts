// SetSecurityTokenServicePreferences: which session tokens the global STS endpoint issues (version
// 1: valid only in the Regions enabled by default; version 2: valid in every Region, and longer).
// GetAccountSummary reports the choice as GlobalEndpointTokenVersion (1 or 2).
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetSecurityTokenServicePreferences.html
import type { IamHandlers } from '../actions/registry.ts';
import type { Repo } from '../store/repo.ts';

/** GetAccountSummary's GlobalEndpointTokenVersion: 1 until the account chooses v2Token. */
export async function globalEndpointTokenVersion(repo: Repo, accountId: string): Promise<number> {
  const preferences = await repo.getStsPreferences(accountId);
  return preferences?.global_endpoint_token_version === 'v2Token' ? 2 : 1;
}

export const stsPreferenceHandlers = {
  async SetSecurityTokenServicePreferences(ctx, input) {
    // No resource type in the Service Authorization Reference: the action applies to the account.
    await ctx.authorize('iam:SetSecurityTokenServicePreferences', '*');
    await ctx.services.store.write((repo) =>
      repo.putStsPreferences({
        account_id: ctx.caller.accountId,
        global_endpoint_token_version: input.GlobalEndpointTokenVersion,
        updated_at: ctx.request.now.toISOString(),
      }),
    );
    return undefined;
  },
} satisfies IamHandlers;
