// Account-level operations: service-specific credentials, STS preferences, Organizations and delegation (being written).
import type { IamHandlers } from '../actions/registry.ts';

export const accountLevelHandlers = {} satisfies IamHandlers;
