// STS AssumeRoot and GetDelegatedAccessToken (being written).
import type { StsHandlers } from '../actions/registry.ts';

export const rootSessionHandlers = {} satisfies StsHandlers;
