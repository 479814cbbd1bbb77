// STS GetWebIdentityToken (being written).
import type { StsHandlers } from '../actions/registry.ts';

export const webIdentityTokenHandlers = {} satisfies StsHandlers;
