// Bool and BinaryEquals condition operators.
import { valueText } from './operator-string.ts';
import type { CompiledValue, ConditionOperator } from './operator-types.ts';

export const Bool: ConditionOperator = {
  name: 'Bool',
  negated: false,
  compile(value, variables): CompiledValue {
    const text = valueText(value, variables);
    if (typeof text !== 'string') {
      return (c, view) => {
        const t = text(view);
        return t !== undefined && c.toLowerCase() === t.toLowerCase();
      };
    }
    const p = text.toLowerCase();
    if (p !== 'true' && p !== 'false') return { invalid: `\`${value}\` is not true or false` };
    // A request value other than true/false (e.g. "yes") matches neither.
    return (c) => c === p || c.toLowerCase() === p;
  },
};

/** Decodes base64 to a binary string; `undefined` when the text is not base64. */
function decodeBase64(text: string): string | undefined {
  try {
    return atob(text);
  } catch {
    return undefined;
  }
}

/** BinaryEquals: the policy value and the request value are base64; their bytes are compared. */
export const BinaryEquals: ConditionOperator = {
  name: 'BinaryEquals',
  negated: false,
  compile(value): CompiledValue {
    const p = decodeBase64(value);
    if (p === undefined) return { invalid: `\`${value}\` is not base64` };
    return (c) => c === value || decodeBase64(c) === p;
  },
};
