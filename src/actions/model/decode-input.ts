// Decodes an AWS Query request's flat parameters (`Tags.member.1.Key=…`) into the operation's
// input structure and validates it against the model's constraints, answering with AWS's
// ValidationError wording ("1 validation error detected: Value '…' at 'userName' failed to
// satisfy constraint: …").
import { AwsError } from '../../errors/aws-error.ts';
import { patternRegExp, shapeOf, type ServiceModel, type Shape } from './service-model.ts';

export type Params = Map<string, string>;

const MAX_LIST_ITEMS = 1000;

/** Lower-camel-case member path segment, as AWS names members in validation messages. */
function memberLabel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

class Decoder {
  readonly errors: string[] = [];
  constructor(
    private readonly model: ServiceModel,
    private readonly params: Params,
  ) {}

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

  checkList(shape: Shape, items: unknown[], label: string): unknown[] {
    if (shape.min !== undefined && items.length < shape.min) {
      this.errors.push(
        `Value '[${items.join(', ')}]' at '${label}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
      );
    }
    if (shape.max !== undefined && items.length > shape.max) {
      this.errors.push(
        `Value '[${items.length} items]' at '${label}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`,
      );
    }
    return items;
  }

  decodeScalar(shape: Shape, raw: string, label: string): unknown {
    switch (shape.type) {
      case 'string': {
        const shown = shape.sensitive ? '*******' : raw;
        // Length in code points: only a string with a surrogate pair differs from .length.
        const length = /[\uD800-\uDBFF]/.test(raw) ? [...raw].length : raw.length;
        if (shape.min !== undefined && length < shape.min) {
          this.errors.push(`Value '${shown}' at '${label}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`);
        } else if (shape.max !== undefined && length > shape.max) {
          this.errors.push(`Value '${shown}' at '${label}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`);
        } else if (shape.pattern !== undefined && !patternRegExp(shape.pattern).test(raw)) {
          this.errors.push(`Value '${shown}' at '${label}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`);
        }
        if (shape.enum && !shape.enum.includes(raw)) {
          this.errors.push(`Value '${shown}' at '${label}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        }
        return raw;
      }
      case 'integer':
      case 'long': {
        if (!/^-?\d{1,18}$/.test(raw)) {
          throw new AwsError('ValidationError', `Value '${raw}' at '${label}' failed to satisfy constraint: Member must be a number`);
        }
        const n = Number(raw);
        if (shape.min !== undefined && n < shape.min) {
          this.errors.push(`Value '${n}' at '${label}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`);
        } else if (shape.max !== undefined && n > shape.max) {
          this.errors.push(`Value '${n}' at '${label}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`);
        }
        return n;
      }
      case 'double':
      case 'float': {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) {
          throw new AwsError('ValidationError', `Value '${raw}' at '${label}' failed to satisfy constraint: Member must be a number`);
        }
        return n;
      }
      case 'boolean': {
        const lower = raw.toLowerCase();
        if (lower !== 'true' && lower !== 'false') {
          throw new AwsError('ValidationError', `Value '${raw}' at '${label}' failed to satisfy constraint: Member must be a boolean`);
        }
        return lower === 'true';
      }
      case 'timestamp': {
        const d = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
        if (Number.isNaN(d.getTime())) {
          throw new AwsError('ValidationError', `Value '${raw}' at '${label}' failed to satisfy constraint: Member must be a timestamp`);
        }
        return d;
      }
      case 'blob':
        return Buffer.from(raw, 'base64');
      default:
        return raw;
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
export function decodeInput(model: ServiceModel, inputShapeName: string | undefined, params: Params): Record<string, unknown> {
  if (!inputShapeName) return {};
  const decoder = new Decoder(model, params);
  const input = decoder.decodeStructure(shapeOf(model, inputShapeName), '', '');
  const n = decoder.errors.length;
  if (n > 0) {
    throw new AwsError('ValidationError', `${n} validation error${n > 1 ? 's' : ''} detected: ${decoder.errors.join('; ')}`);
  }
  return input;
}
