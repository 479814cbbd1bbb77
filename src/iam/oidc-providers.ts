// The IAM OpenIDConnectProvider operations (being written).
import type { IamHandlers } from '../actions/registry.ts';

export const oidcProviderHandlers = {} satisfies IamHandlers;
