// Decodes a JSON transport's input (the authorization API, the gateway endpoints, the OIDC provider
// API) straight from its JSON value against the operation's model shape. It gives exactly what
// flattening the value into Query-style parameters (./flatten-params.ts, `toParamsFor`) and decoding
// those (./decode-input.ts) gives — the same input, the same ValidationError, word for word — without
// building `Request.Headers.entry.3.value`-style names and parsing them back (issue #13: that round
// trip was a fifth of an Authorize's CPU). test/decode-json.test.ts checks the two paths agree on
// random inputs, valid and not.
//
// The Query form's quirks are kept on purpose, so that no input is read differently by the two paths:
// a member whose value is null, `{}` or holds nothing is absent; a list ends at its first item that
// holds nothing; only the first 1,001 items of a list and 1,000 entries of a map are decoded (the rest
// is still type-checked).
import { AwsError } from '../../errors/aws-error.ts';
import { shapeOf, type ServiceModel, type Shape } from './service-model.ts';
import { MAX_LIST_ITEMS, memberLabel, ValueChecks, validationError } from './value-checks.ts';

/** An operation's input as a JSON transport received it (an object from JSON.parse, or built from a form). */
export class JsonInput {
  constructor(readonly value: Record<string, unknown>) {}
}

/** Decodes and validates a JSON input; throws AwsError('ValidationError') as the Query-style path does. */
export function decodeJson(model: ServiceModel, inputShapeName: string, value: Record<string, unknown>): Record<string, unknown> {
  const shape = shapeOf(model, inputShapeName);
  // First every value's JSON type, as flattening checks them before anything is decoded.
  checkTypes(model, shape, '', value);
  const decoder = new JsonDecoder(model);
  const input = decoder.decodeStructure(shape, value, '', true)!;
  if (decoder.errors.length > 0) throw validationError(decoder.errors);
  return input;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Labels (AWS's path to a value, named in ValidationError's messages) as they were made before:
 * every value has one but few are ever shown, and building them afresh was a tenth of decoding an
 * Authorize's input. Paths come from the model and list positions; a client's nested lists and
 * maps could make many, so all are dropped past LABELS_KEPT (memory stays bounded whatever is sent).
 */
const labels = new Map<string, Map<string, string>>();
const LABELS_KEPT = 20_000;
let labelsKept = 0;
function childLabel(label: string, segment: string): string {
  let children = labels.get(label);
  if (children === undefined) {
    children = new Map();
    labels.set(label, children);
  }
  let path = children.get(segment);
  if (path === undefined) {
    path = label === '' ? segment : `${label}.${segment}`;
    if (labelsKept >= LABELS_KEPT) {
      labels.clear();
      labelsKept = 0;
    } else {
      children.set(segment, path);
      labelsKept++;
    }
  }
  return path;
}

const memberLabels = new Map<string, string>();
function memberPath(label: string, name: string): string {
  let segment = memberLabels.get(name);
  if (segment === undefined) {
    segment = memberLabel(name);
    if (memberLabels.size < 10_000) memberLabels.set(name, segment);
  }
  return childLabel(label, segment);
}

/** `3.member`, `3.key`, `3.value`: the i-th (from 1) item's or entry's part of a label. */
const itemSegments = { member: [] as string[], key: [] as string[], value: [] as string[] };
function itemLabel(label: string, i: number, part: 'member' | 'key' | 'value'): string {
  const segments = itemSegments[part];
  let segment = segments[i];
  if (segment === undefined) {
    segment = `${i}.${part}`;
    if (i <= MAX_LIST_ITEMS + 1) segments[i] = segment;
  }
  return childLabel(label, segment);
}

function mismatch(label: string, what: string): AwsError {
  return new AwsError('ValidationError', `1 validation error detected: Value at '${label}' failed to satisfy constraint: Member must be ${what}`);
}

/** Throws the first value (in the model's member order) whose JSON type is not its shape's, as flattening does. */
function checkTypes(model: ServiceModel, shape: Shape, label: string, value: unknown): void {
  if (value === undefined || value === null) return;
  switch (shape.type) {
    case 'structure': {
      if (!isObject(value)) throw mismatch(label, 'an object');
      const members = shape.members;
      if (members === undefined) return;
      for (const name in members) {
        if (Object.hasOwn(value, name)) checkTypes(model, shapeOf(model, members[name]!.shape), memberPath(label, name), value[name]);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) throw mismatch(label, 'a list');
      const item = shapeOf(model, shape.member!.shape);
      for (let i = 0; i < value.length; i++) checkTypes(model, item, itemLabel(label, i + 1, 'member'), value[i]);
      return;
    }
    case 'map': {
      if (!isObject(value)) throw mismatch(label, 'a map');
      const valueShape = shapeOf(model, shape.value!.shape);
      let i = 0;
      for (const k in value) {
        if (!Object.hasOwn(value, k)) continue;
        // The decoder builds the map as a plain object: this key would set its prototype instead.
        if (k === '__proto__') throw mismatch(itemLabel(label, i + 1, 'key'), 'a key other than __proto__');
        i++;
        checkTypes(model, valueShape, itemLabel(label, i, 'value'), value[k]);
      }
      return;
    }
    default:
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw mismatch(label, 'a scalar');
  }
}

/** True when flattening `value` would give at least one parameter (so the Query decoder would see it). */
function present(model: ServiceModel, shape: Shape, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  switch (shape.type) {
    case 'structure': {
      const members = shape.members;
      if (members === undefined || !isObject(value)) return false;
      for (const name in members) {
        if (
          Object.hasOwn(value, name) &&
          !hasLocationName(members[name]!.locationName, name) &&
          present(model, shapeOf(model, members[name]!.shape), value[name])
        )
          return true;
      }
      return false;
    }
    case 'list': {
      if (!Array.isArray(value)) return false;
      if (value.length === 0) return true;
      const item = shapeOf(model, shape.member!.shape);
      return value.some((v) => present(model, item, v));
    }
    case 'map':
      if (!isObject(value)) return false;
      for (const k in value) if (Object.hasOwn(value, k)) return true;
      return false;
    default:
      return true;
  }
}

/**
 * A member the Query form reads under another name than flattening writes it (`locationName`): it
 * is never found there, so the JSON path reads it as absent too. iamd's own model has none.
 */
function hasLocationName(locationName: string | undefined, name: string): boolean {
  return locationName !== undefined && locationName !== name;
}

/** The JSON value decoded as ./decode-input.ts decodes its flattened parameters; undefined when it holds nothing. */
class JsonDecoder extends ValueChecks {
  constructor(private readonly model: ServiceModel) {
    super();
  }

  /**
   * A structure's members; undefined when none holds anything (a nested structure is then absent,
   * and its required members are not checked; the input itself, `root`, is always there).
   */
  decodeStructure(shape: Shape, value: Record<string, unknown>, label: string, root: boolean): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    const members = shape.members;
    let any = false;
    if (members !== undefined) {
      for (const name in members) {
        const ref = members[name]!;
        if (!Object.hasOwn(value, name) || hasLocationName(ref.locationName, name)) continue;
        // INVARIANT: a member that decodes to undefined held nothing, and added no error.
        const decoded = this.decodeValue(shapeOf(this.model, ref.shape), value[name], memberPath(label, name));
        if (decoded !== undefined) {
          out[name] = decoded;
          any = true;
        }
      }
    }
    if (!any && !root) return undefined;
    for (const name of shape.required ?? []) {
      if (out[name] === undefined) {
        this.errors.push(`Value null at '${label ? `${label}.` : ''}${memberLabel(name)}' failed to satisfy constraint: Member must not be null`);
      }
    }
    return out;
  }

  decodeValue(shape: Shape, value: unknown, label: string): unknown {
    if (value === undefined || value === null) return undefined;
    switch (shape.type) {
      case 'structure':
        return this.decodeStructure(shape, value as Record<string, unknown>, label, false);
      case 'list': {
        const list = value as unknown[];
        if (list.length === 0) return this.checkList(shape, [], label);
        const itemShape = shapeOf(this.model, shape.member!.shape);
        const items: unknown[] = [];
        const n = Math.min(list.length, MAX_LIST_ITEMS + 1);
        for (let i = 0; i < n; i++) {
          const item = this.decodeValue(itemShape, list[i], itemLabel(label, i + 1, 'member'));
          if (item === undefined) break;
          items.push(item);
        }
        // A list none of whose items holds anything is absent; one whose first item is empty is [].
        if (items.length === 0 && !present(this.model, shape, value)) return undefined;
        return this.checkList(shape, items, label);
      }
      case 'map': {
        const map = value as Record<string, unknown>;
        const keyShape = shapeOf(this.model, shape.key!.shape);
        const valueShape = shapeOf(this.model, shape.value!.shape);
        const out: Record<string, unknown> = {};
        let i = 0;
        for (const k in map) {
          if (!Object.hasOwn(map, k)) continue;
          if (++i > MAX_LIST_ITEMS) break;
          const key = this.decodeScalar(keyShape, k, itemLabel(label, i, 'key')) as string;
          out[key] = this.decodeValue(valueShape, map[k], itemLabel(label, i, 'value'));
        }
        return i === 0 ? undefined : out;
      }
      default:
        return this.decodeScalar(shape, String(value), label);
    }
  }
}
