// Outbound web identity federation: the account's token issuer (being written).
import type { IamHandlers } from '../actions/registry.ts';

export const outboundFederationHandlers = {} satisfies IamHandlers;
