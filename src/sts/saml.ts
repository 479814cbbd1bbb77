// STS AssumeRoleWithSAML (being written).
import type { StsHandlers } from '../actions/registry.ts';

export const samlHandlers = {} satisfies StsHandlers;
