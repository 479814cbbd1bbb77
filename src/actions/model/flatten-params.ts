// Turns a structured input (a console form, a JSON body) into the Query protocol's flat parameters,
// so that every transport's input is decoded and validated by the one model-driven decoder.
import type { Params } from './decode-input.ts';

/** Flattens `{ Tags: [{ Key, Value }], UserName }` into Query parameters (`Tags.member.1.Key`). */
export function toParams(input: Record<string, unknown>): Params {
  const params: Params = new Map();
  const put = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      if (value.length === 0) params.set(key, '');
      for (const [i, item] of value.entries()) put(`${key}.member.${i + 1}`, item);
    } else if (value instanceof Date) params.set(key, value.toISOString());
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) put(`${key}.${k}`, v);
    else params.set(key, String(value));
  };
  for (const [k, v] of Object.entries(input)) put(k, v);
  return params;
}
