// Every operation iamd serves, registered once for all transports (the handler tables of src/iam
// and src/sts; part of the composition root, so the action layer never imports its handlers).
import { ActionRegistry } from './actions/registry.ts';
import { userHandlers } from './iam/users.ts';
import { groupHandlers } from './iam/groups.ts';
import { accessKeyHandlers } from './iam/access-keys.ts';
import { loginProfileHandlers } from './iam/login-profiles.ts';
import { accountHandlers } from './iam/account.ts';
import { mfaHandlers } from './iam/mfa.ts';
import { policyHandlers } from './iam/policies.ts';
import { attachmentHandlers } from './iam/attachments.ts';
import { inlinePolicyHandlers } from './iam/inline-policies.ts';
import { simulateHandlers } from './iam/simulate.ts';
import { authorizationDetailsHandlers } from './iam/authorization-details.ts';
import { roleHandlers } from './iam/roles.ts';
import { instanceProfileHandlers, profileNotFound } from './iam/instance-profiles.ts';
import { taggingHandlers } from './iam/tagging.ts';
import { callerIdentityHandlers } from './sts/caller-identity.ts';
import { assumeRoleHandlers } from './sts/assume-role.ts';
import { sessionTokenHandlers } from './sts/session-token.ts';
import { authorizationMessageHandlers } from './sts/authorization-message.ts';
import { oidcProviderHandlers, oidcProviderKeyHandlers } from './iam/oidc-providers.ts';
import { samlProviderHandlers } from './iam/saml-providers.ts';
import { outboundFederationHandlers } from './iam/outbound-federation.ts';
import { webIdentityHandlers } from './sts/web-identity.ts';
import { samlHandlers } from './sts/saml.ts';
import { webIdentityTokenHandlers } from './sts/web-identity-token.ts';
import { reportHandlers } from './iam/reports.ts';
import { certificateHandlers } from './iam/certificates.ts';
import { accountLevelHandlers } from './iam/account-level.ts';
import { rootSessionHandlers } from './sts/root-sessions.ts';
import { workloadHandlers } from './workloads/handlers.ts';
import { catalogueHandlers } from './protect/catalogue.ts';
import { authorizeHandlers } from './protect/authorize.ts';
import { resourcePolicyHandlers } from './protect/resource-policies.ts';
import { gatewayHandlers } from './protect/gateways.ts';
import { gatewayCheckHandlers } from './protect/gateway-check.ts';
import { oidcConsoleSignInHandlers } from './iam/oidc-console-sign-in.ts';
import { cloudtrailHandlers } from './cloudtrail/handlers.ts';

// Each table is checked against the operations' generated types (registry.ts): a handler whose
// input or output does not fit its operation, or a name that is no operation, does not compile.
export function buildRegistry(): ActionRegistry {
  const registry = new ActionRegistry();
  registry.add('iam', {
    ...userHandlers,
    ...groupHandlers,
    ...accessKeyHandlers,
    ...loginProfileHandlers,
    ...accountHandlers,
    ...mfaHandlers,
    ...policyHandlers,
    ...attachmentHandlers,
    ...inlinePolicyHandlers,
    ...simulateHandlers,
    ...authorizationDetailsHandlers,
  });
  registry.add('iam', { ...roleHandlers, ...instanceProfileHandlers });
  const userTags = taggingHandlers('user', 'User', 'UserName');
  const roleTags = taggingHandlers('role', 'Role', 'RoleName');
  const profileTags = taggingHandlers('instance-profile', 'InstanceProfile', 'InstanceProfileName', profileNotFound);
  registry.add('iam', {
    TagUser: userTags.tag,
    UntagUser: userTags.untag,
    ListUserTags: userTags.list,
    TagRole: roleTags.tag,
    UntagRole: roleTags.untag,
    ListRoleTags: roleTags.list,
    TagInstanceProfile: profileTags.tag,
    UntagInstanceProfile: profileTags.untag,
    ListInstanceProfileTags: profileTags.list,
  });
  registry.add(
    'sts',
    { ...callerIdentityHandlers, ...assumeRoleHandlers, ...sessionTokenHandlers, ...authorizationMessageHandlers },
    { public: ['GetCallerIdentity', 'GetSessionToken'] },
  );
  // Federation: identity providers (in), the account's token issuer (out), and the STS operations
  // that take a provider's token or assertion in place of a signature.
  registry.add('iam', { ...oidcProviderHandlers, ...samlProviderHandlers, ...outboundFederationHandlers });
  // iamd extension: an OIDC provider's keys given by an administrator.
  registry.add('iamd', oidcProviderKeyHandlers);
  registry.add(
    'sts',
    { ...webIdentityHandlers, ...samlHandlers, ...webIdentityTokenHandlers },
    { unsigned: ['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML'] },
  );
  // Reports, certificates and keys, account-level and Organizations operations.
  registry.add('iam', { ...reportHandlers, ...certificateHandlers, ...accountLevelHandlers });
  registry.add('sts', rootSessionHandlers);
  registry.add('iamd', workloadHandlers);
  registry.add('iamd', catalogueHandlers);
  registry.add('iamd', { ...authorizeHandlers, ...resourcePolicyHandlers });
  registry.add('iamd', { ...gatewayHandlers, ...gatewayCheckHandlers });
  registry.add('iamd', oidcConsoleSignInHandlers);
  // The audit trail's query API: CloudTrail's LookupEvents (src/cloudtrail, src/audit).
  registry.add('cloudtrail', cloudtrailHandlers);
  return registry;
}
