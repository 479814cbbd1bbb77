// Account-level operations: service-specific credentials, STS preferences, Organizations'
// centralized root access and partner delegation requests (one table, registered in src/operations.ts).
import type { IamHandlers } from '../actions/registry.ts';
import { delegationRequestHandlers } from './delegation-requests.ts';
import { organizationHandlers } from './organizations.ts';
import { serviceSpecificCredentialHandlers } from './service-specific-credentials.ts';
import { stsPreferenceHandlers } from './sts-preferences.ts';

export const accountLevelHandlers = {
  ...serviceSpecificCredentialHandlers,
  ...stsPreferenceHandlers,
  ...organizationHandlers,
  ...delegationRequestHandlers,
} satisfies IamHandlers;
