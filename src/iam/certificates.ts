// Server certificates, signing certificates and SSH public keys (being written).
import type { IamHandlers } from '../actions/registry.ts';

export const certificateHandlers = {} satisfies IamHandlers;
