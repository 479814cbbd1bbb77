// Turns a structured input (a console form, a JSON body) into the Query protocol's flat parameters,
// so that every transport's input is decoded and validated by the one model-driven decoder.
import { AwsError } from '../../errors/aws-error.ts';
import type { Params } from './decode-input.ts';
import { shapeOf, type ServiceModel, type Shape } from './service-model.ts';

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

/**
 * Flattens a JSON input by its model shape, so that maps become the Query protocol's entries
 * (`Headers.entry.1.key`, `Headers.entry.1.value`), which `toParams` cannot tell from structures.
 * A JSON transport hands the dispatch a JsonInput instead (./decode-json.ts, the same result without
 * the round trip); this stays the reference that decoder is tested against (decode-json.test.ts).
 * Members the shape does not name are left out (the decoder would ignore them); a value of the
 * wrong JSON type is the caller's ValidationError, never a value silently dropped.
 */
export function toParamsFor(model: ServiceModel, shapeName: string, input: Record<string, unknown>): Params {
  const params: Params = new Map();
  const put = (shape: Shape, key: string, label: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    switch (shape.type) {
      case 'structure': {
        if (!isObject(value)) throw mismatch(label, 'an object');
        for (const [name, ref] of Object.entries(shape.members ?? {})) {
          if (Object.hasOwn(value, name)) put(shapeOf(model, ref.shape), key === '' ? name : `${key}.${name}`, memberPath(label, name), value[name]);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(value)) throw mismatch(label, 'a list');
        if (value.length === 0) params.set(key, '');
        const item = shapeOf(model, shape.member!.shape);
        for (const [i, v] of value.entries()) put(item, `${key}.member.${i + 1}`, `${label}.${i + 1}.member`, v);
        return;
      }
      case 'map': {
        if (!isObject(value)) throw mismatch(label, 'a map');
        const valueShape = shapeOf(model, shape.value!.shape);
        let i = 0;
        for (const [k, v] of Object.entries(value)) {
          // The decoder builds the map as a plain object: this key would set its prototype instead.
          if (k === '__proto__') throw mismatch(`${label}.${i + 1}.key`, 'a key other than __proto__');
          i++;
          params.set(`${key}.entry.${i}.key`, k);
          put(valueShape, `${key}.entry.${i}.value`, `${label}.${i}.value`, v);
        }
        return;
      }
      default:
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw mismatch(label, 'a scalar');
        params.set(key, String(value));
    }
  };
  put(shapeOf(model, shapeName), '', '', input);
  return params;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function memberPath(label: string, name: string): string {
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  return label === '' ? member : `${label}.${member}`;
}

function mismatch(label: string, what: string): AwsError {
  return new AwsError('ValidationError', `1 validation error detected: Value at '${label}' failed to satisfy constraint: Member must be ${what}`);
}
