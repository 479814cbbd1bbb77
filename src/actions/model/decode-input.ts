// Decodes an AWS Query request's flat parameters (`Tags.member.1.Key=…`) into the operation's
// input structure and validates it against the model's constraints, answering with AWS's
// ValidationError wording ("1 validation error detected: Value '…' at 'userName' failed to
// satisfy constraint: …"). A JSON transport's input (JsonInput) is decoded straight from its JSON
// value by ./decode-json.ts, with the same checks and the same errors.
import { decodeJson, JsonInput } from './decode-json.ts';
import { shapeOf, type ServiceModel, type Shape } from './service-model.ts';
import { MAX_LIST_ITEMS, memberLabel, ValueChecks, validationError } from './value-checks.ts';

export type Params = Map<string, string>;
/** What a transport hands the dispatch: Query-style parameters, or a JSON value decoded as it is. */
export type OperationParams = Params | JsonInput;

class Decoder extends ValueChecks {
  constructor(
    private readonly model: ServiceModel,
    private readonly params: Params,
  ) {
    super();
  }

  decodeStructure(shape: Shape, prefix: string, label: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const key = prefix + (ref.locationName ?? name);
      const memberShape = shapeOf(this.model, ref.shape);
      const memberLabelPath = label ? `${label}.${memberLabel(name)}` : memberLabel(name);
      const value = this.decodeValue(memberShape, key, memberLabelPath);
      if (value !== undefined) out[name] = value;
    }
    for (const name of shape.required ?? []) {
      if (out[name] === undefined) {
        this.errors.push(`Value null at '${label ? `${label}.` : ''}${memberLabel(name)}' failed to satisfy constraint: Member must not be null`);
      }
    }
    return out;
  }

  decodeValue(shape: Shape, key: string, label: string): unknown {
    switch (shape.type) {
      case 'structure': {
        const hasAny = this.hasPrefix(`${key}.`);
        return hasAny ? this.decodeStructure(shape, `${key}.`, label) : undefined;
      }
      case 'list': {
        const itemShape = shapeOf(this.model, shape.member!.shape);
        const items: unknown[] = [];
        // An empty list is sent as `Name=` (botocore) — it decodes to [].
        if (this.params.has(key) && this.params.get(key) === '' && !this.hasPrefix(`${key}.`)) return this.checkList(shape, [], label);
        if (!this.hasPrefix(`${key}.member.`)) return undefined;
        for (let i = 1; i <= MAX_LIST_ITEMS + 1; i++) {
          const itemKey = `${key}.member.${i}`;
          if (!this.params.has(itemKey) && !this.hasPrefix(`${itemKey}.`)) break;
          items.push(this.decodeValue(itemShape, itemKey, `${label}.${i}.member`));
        }
        return this.checkList(shape, items, label);
      }
      case 'map': {
        const keyShape = shapeOf(this.model, shape.key!.shape);
        const valueShape = shapeOf(this.model, shape.value!.shape);
        const out: Record<string, unknown> = {};
        if (!this.hasPrefix(`${key}.entry.`)) return undefined;
        for (let i = 1; i <= MAX_LIST_ITEMS; i++) {
          const entryKey = `${key}.entry.${i}`;
          if (!this.params.has(`${entryKey}.key`)) break;
          const k = this.decodeValue(keyShape, `${entryKey}.key`, `${label}.${i}.key`) as string;
          out[k] = this.decodeValue(valueShape, `${entryKey}.value`, `${label}.${i}.value`);
        }
        return out;
      }
      default: {
        const raw = this.params.get(key);
        if (raw === undefined) return undefined;
        return this.decodeScalar(shape, raw, label);
      }
    }
  }

  /** Every proper prefix ending in '.' of every parameter name (`A.`, `A.member.`, `A.member.1.`…). */
  private prefixes: Set<string> | undefined;
  hasPrefix(prefix: string): boolean {
    if (this.prefixes === undefined) {
      this.prefixes = new Set();
      for (const k of this.params.keys()) for (let i = k.indexOf('.'); i >= 0; i = k.indexOf('.', i + 1)) this.prefixes.add(k.slice(0, i + 1));
    }
    return this.prefixes.has(prefix);
  }
}

/** Decodes and validates the input of an operation; throws AwsError('ValidationError') listing every violation. */
export function decodeInput(model: ServiceModel, inputShapeName: string | undefined, params: OperationParams): Record<string, unknown> {
  if (!inputShapeName) return {};
  if (params instanceof JsonInput) return decodeJson(model, inputShapeName, params.value);
  const decoder = new Decoder(model, params);
  const input = decoder.decodeStructure(shapeOf(model, inputShapeName), '', '');
  if (decoder.errors.length > 0) throw validationError(decoder.errors);
  return input;
}
