// The credential report and the last-accessed reports (being written).
import type { IamHandlers } from '../actions/registry.ts';

export const reportHandlers = {} satisfies IamHandlers;
