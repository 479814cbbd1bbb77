// STS AssumeRoleWithWebIdentity (being written).
import type { StsHandlers } from '../actions/registry.ts';

export const webIdentityHandlers = {} satisfies StsHandlers;
