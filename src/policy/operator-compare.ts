// The shape shared by the Numeric… and Date… operator families: both sides parsed to a number
// (the policy's value once at compile time when it has no variables), then compared.
import { valueText } from './operator-string.ts';
import type { CompiledValue, ConditionOperator } from './operator-types.ts';

/**
 * An operator comparing parsed values. `parsePolicy` reads the policy's value, `parseRequest` the
 * request's (it may memoise); `what` names the expected kind of value in the invalid-value message.
 */
export function comparison(
  name: string,
  what: string,
  parsePolicy: (text: string) => number | undefined,
  parseRequest: (text: string) => number | undefined,
  test: (request: number, policy: number) => boolean,
): ConditionOperator {
  return {
    name,
    negated: false,
    compile(value, variables): CompiledValue {
      const text = valueText(value, variables);
      if (typeof text === 'string') {
        const p = parsePolicy(text);
        if (p === undefined) return { invalid: `\`${value}\` is not ${what}` };
        return (c) => {
          const r = parseRequest(c);
          return r !== undefined && test(r, p);
        };
      }
      return (c, view) => {
        const t = text(view);
        const p = t === undefined ? undefined : parsePolicy(t);
        const r = parseRequest(c);
        return p !== undefined && r !== undefined && test(r, p);
      };
    },
  };
}
