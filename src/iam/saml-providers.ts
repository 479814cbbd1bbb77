// The IAM SAMLProvider operations (being written).
import type { IamHandlers } from '../actions/registry.ts';

export const samlProviderHandlers = {} satisfies IamHandlers;
