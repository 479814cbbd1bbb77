// Numeric condition operators (integers and decimals; "0100" equals 100).
import { comparison } from './operator-compare.ts';
import { negate } from './operator-types.ts';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a numeric condition value; `undefined` when it is not a number. */
export function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

const numeric = (name: string, test: (request: number, policy: number) => boolean) => comparison(name, 'a number', parseNumber, parseNumber, test);

export const NumericEquals = numeric('NumericEquals', (r, p) => r === p);
export const NumericNotEquals = negate(NumericEquals, 'NumericNotEquals');
export const NumericLessThan = numeric('NumericLessThan', (r, p) => r < p);
export const NumericLessThanEquals = numeric('NumericLessThanEquals', (r, p) => r <= p);
export const NumericGreaterThan = numeric('NumericGreaterThan', (r, p) => r > p);
export const NumericGreaterThanEquals = numeric('NumericGreaterThanEquals', (r, p) => r >= p);
