// Centralized root access for the member accounts of an AWS Organization: which features are on,
// and the switches the management account (or IAM's delegated administrator) turns them on and off
// with. An iamd account belongs to no organization, so each answers as AWS answers an account
// outside one (OrganizationNotFoundException), after authorizing the caller as AWS does.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html
import { awsError } from '../errors/messages.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';

/** These actions have no resource type in the Service Authorization Reference. */
async function outsideAnOrganization(ctx: ActionContext, action: string): Promise<never> {
  await ctx.authorize(action, '*');
  throw awsError('organizationNotFound');
}

export const organizationHandlers = {
  async ListOrganizationsFeatures(ctx) {
    return outsideAnOrganization(ctx, 'iam:ListOrganizationsFeatures');
  },
  async EnableOrganizationsRootCredentialsManagement(ctx) {
    return outsideAnOrganization(ctx, 'iam:EnableOrganizationsRootCredentialsManagement');
  },
  async DisableOrganizationsRootCredentialsManagement(ctx) {
    return outsideAnOrganization(ctx, 'iam:DisableOrganizationsRootCredentialsManagement');
  },
  async EnableOrganizationsRootSessions(ctx) {
    return outsideAnOrganization(ctx, 'iam:EnableOrganizationsRootSessions');
  },
  async DisableOrganizationsRootSessions(ctx) {
    return outsideAnOrganization(ctx, 'iam:DisableOrganizationsRootSessions');
  },
} satisfies IamHandlers;
