// Numeric condition operators (integers and decimals; "0100" equals 100).
import { valueText } from './operator-string.ts';
import { negate, type CompiledValue, type ConditionOperator } from './operator-types.ts';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a numeric condition value; `undefined` when it is not a number. */
export function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

function numeric(name: string, test: (request: number, policy: number) => boolean): ConditionOperator {
  return {
    name,
    negated: false,
    compile(value, variables): CompiledValue {
      const text = valueText(value, variables);
      if (typeof text === 'string') {
        const p = parseNumber(text);
        if (p === undefined) return { invalid: `\`${value}\` is not a number` };
        return (c) => {
          const r = parseNumber(c);
          return r !== undefined && test(r, p);
        };
      }
      return (c, view) => {
        const t = text(view);
        const p = t === undefined ? undefined : parseNumber(t);
        const r = parseNumber(c);
        return p !== undefined && r !== undefined && test(r, p);
      };
    },
  };
}

export const NumericEquals = numeric('NumericEquals', (r, p) => r === p);
export const NumericNotEquals = negate(NumericEquals, 'NumericNotEquals');
export const NumericLessThan = numeric('NumericLessThan', (r, p) => r < p);
export const NumericLessThanEquals = numeric('NumericLessThanEquals', (r, p) => r <= p);
export const NumericGreaterThan = numeric('NumericGreaterThan', (r, p) => r > p);
export const NumericGreaterThanEquals = numeric('NumericGreaterThanEquals', (r, p) => r >= p);
