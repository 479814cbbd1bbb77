// Account-wide settings: the password policy, the alias (one per account, unique across iamd),
// and GetAccountSummary's real counts and AWS's default quotas.
import { awsError } from '../errors/messages.ts';
import type { IamHandlers } from '../actions/registry.ts';
import { mfaDevicesInUse, rootMfaEnabled } from './mfa.ts';
import { ROOT_OWNER, SIGNING_CERTIFICATE_KIND, ownerPath } from './signing-certificates.ts';
import type { Repo } from '../store/repo.ts';
import { policyFromInput, policyOutput, type PasswordPolicy } from './password-policy.ts';
import { globalEndpointTokenVersion } from './sts-preferences.ts';

/** Resource for account-level actions that have no resource type in the Service Authorization Reference. */
const ANY = '*';

/** Managed-policy attachments to the account's users, groups and roles: each uses its policy's default version. */
async function policyVersionsInUse(repo: Repo, accountId: string): Promise<number> {
  let n = 0;
  for (const arn of await repo.attachedPolicyArnsInAccount(accountId)) {
    // AWS managed policies are attached in other accounts too: count this account's entities only.
    const holders = await repo.getEntitiesByIds(await repo.entityIdsAttachedTo(arn));
    n += holders.filter((e) => e.accountId === accountId).length;
  }
  return n;
}

/** 1 when the root user has a signing certificate (src/iam/signing-certificates.ts files them under root's path). */
async function rootSigningCertificates(repo: Repo, accountId: string): Promise<number> {
  const page = await repo.listEntities(accountId, SIGNING_CERTIFICATE_KIND, { pathPrefix: ownerPath({ key: ROOT_OWNER }), maxItems: 1 });
  return page.items.length > 0 ? 1 : 0;
}

export const accountHandlers = {
  async UpdateAccountPasswordPolicy(ctx, input) {
    await ctx.authorize('iam:UpdateAccountPasswordPolicy', ANY);
    const policy = policyFromInput(input);
    await ctx.services.store.write((repo) => repo.putPasswordPolicy(ctx.caller.accountId, policy));
    return undefined;
  },

  async GetAccountPasswordPolicy(ctx) {
    await ctx.authorize('iam:GetAccountPasswordPolicy', ANY);
    const policy = await ctx.services.store.read((repo) => repo.getPasswordPolicy(ctx.caller.accountId));
    if (!policy) throw awsError('passwordPolicyNotFound', { accountId: ctx.caller.accountId });
    return { PasswordPolicy: policyOutput(policy as PasswordPolicy) };
  },

  async DeleteAccountPasswordPolicy(ctx) {
    await ctx.authorize('iam:DeleteAccountPasswordPolicy', ANY);
    return ctx.services.store.write(async (repo) => {
      if (!(await repo.deletePasswordPolicy(ctx.caller.accountId))) throw awsError('accountPasswordPolicyNotFound');
      return undefined;
    });
  },

  async CreateAccountAlias(ctx, input) {
    await ctx.authorize('iam:CreateAccountAlias', ANY);
    const alias = input.AccountAlias;
    if (/^\d{12}$/.test(alias)) throw awsError('accountAliasNumeric', { alias });
    return ctx.services.store.write(async (repo) => {
      const holder = await repo.getAccountByAlias(alias);
      if (holder && holder.id !== ctx.caller.accountId) throw awsError('accountAliasExists', { alias });
      await repo.setAccountAlias(ctx.caller.accountId, alias);
      return undefined;
    });
  },

  async DeleteAccountAlias(ctx, input) {
    await ctx.authorize('iam:DeleteAccountAlias', ANY);
    return ctx.services.store.write(async (repo) => {
      const account = await repo.getAccount(ctx.caller.accountId);
      if (account?.alias !== input.AccountAlias) throw awsError('accountAliasNotFound', { alias: input.AccountAlias });
      await repo.setAccountAlias(ctx.caller.accountId, null);
      return undefined;
    });
  },

  async ListAccountAliases(ctx) {
    await ctx.authorize('iam:ListAccountAliases', ANY);
    const account = await ctx.services.store.read((repo) => repo.getAccount(ctx.caller.accountId));
    return { AccountAliases: account?.alias ? [account.alias] : [], IsTruncated: false };
  },

  async GetAccountSummary(ctx) {
    await ctx.authorize('iam:GetAccountSummary', ANY);
    return ctx.services.store.read(async (repo) => {
      const a = ctx.caller.accountId;
      const [users, groups, roles, policies, instanceProfiles, mfa, rootKeys, oidcProviders, samlProviders] = await Promise.all([
        repo.countEntities(a, 'user'),
        repo.countEntities(a, 'group'),
        repo.countEntities(a, 'role'),
        repo.countEntities(a, 'policy'),
        repo.countEntities(a, 'instance-profile'),
        repo.countEntities(a, 'mfa'),
        repo.listAccessKeys(a, null),
        repo.countEntities(a, 'oidc-provider'),
        repo.countEntities(a, 'saml-provider'),
      ]);
      const [rootMfa, mfaInUse] = await Promise.all([rootMfaEnabled(repo, a), mfaDevicesInUse(repo, a)]);
      const [account, versionsInUse, rootCertificates] = await Promise.all([
        repo.getAccount(a),
        policyVersionsInUse(repo, a),
        rootSigningCertificates(repo, a),
      ]);
      return {
        SummaryMap: {
          Users: users,
          UsersQuota: 5000,
          Groups: groups,
          GroupsQuota: 300,
          GroupsPerUserQuota: 10,
          Roles: roles,
          RolesQuota: 1000,
          Policies: policies,
          PoliciesQuota: 1500,
          PolicySizeQuota: 6144,
          PolicyVersionsInUse: versionsInUse,
          PolicyVersionsInUseQuota: 10000,
          VersionsPerPolicyQuota: 5,
          AttachedPoliciesPerUserQuota: 10,
          AttachedPoliciesPerGroupQuota: 10,
          AttachedPoliciesPerRoleQuota: 10,
          UserPolicySizeQuota: 2048,
          GroupPolicySizeQuota: 5120,
          RolePolicySizeQuota: 10240,
          AssumeRolePolicySizeQuota: 2048,
          AccessKeysPerUserQuota: 2,
          AccountAccessKeysPresent: rootKeys.length > 0 ? 1 : 0,
          AccountMFAEnabled: rootMfa ? 1 : 0,
          AccountPasswordPresent: account?.root_password_hash ? 1 : 0,
          AccountSigningCertificatesPresent: rootCertificates,
          InstanceProfiles: instanceProfiles,
          InstanceProfilesQuota: 1000,
          MFADevices: mfa,
          MFADevicesInUse: mfaInUse,
          SigningCertificatesPerUserQuota: 2,
          ServerCertificates: await repo.countEntities(a, 'server-certificate'),
          ServerCertificatesQuota: 20,
          // Identity providers, OIDC and SAML together.
          Providers: oidcProviders + samlProviders,
          GlobalEndpointTokenVersion: await globalEndpointTokenVersion(repo, a),
        },
      };
    });
  },
} satisfies IamHandlers;
