// The model's checks of one value, shared by both input decoders (./decode-input.ts for Query-style
// parameters, ./decode-json.ts for a JSON value): a scalar's type, length, range, pattern and enum,
// and a list's length, each violation in AWS's ValidationError wording.
import { AwsError } from '../../errors/aws-error.ts';
import { patternRegExp, type Shape } from './service-model.ts';

/** The most items of a list (and entries of a map) the decoders read. */
export const MAX_LIST_ITEMS = 1000;

/** Lower-camel-case member path segment, as AWS names members in validation messages. */
export function memberLabel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** AWS's ValidationError listing every violation found. */
export function validationError(errors: readonly string[]): AwsError {
  const n = errors.length;
  return new AwsError('ValidationError', `${n} validation error${n > 1 ? 's' : ''} detected: ${errors.join('; ')}`);
}

/** Collects the violations of one input; a value that is not of its type at all throws at once. */
export class ValueChecks {
  readonly errors: string[] = [];

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
        // Length in code points: only a string with a surrogate pair differs from .length.
        const length = /[\uD800-\uDBFF]/.test(raw) ? [...raw].length : raw.length;
        if (shape.min !== undefined && length < shape.min) {
          this.errors.push(
            `Value '${shown(shape, raw)}' at '${label}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
          );
        } else if (shape.max !== undefined && length > shape.max) {
          this.errors.push(
            `Value '${shown(shape, raw)}' at '${label}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`,
          );
        } else if (shape.pattern !== undefined && !patternRegExp(shape.pattern).test(raw)) {
          this.errors.push(
            `Value '${shown(shape, raw)}' at '${label}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`,
          );
        }
        if (shape.enum && !shape.enum.includes(raw)) {
          this.errors.push(
            `Value '${shown(shape, raw)}' at '${label}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
          );
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
}

/** A value as a validation message may show it: never a sensitive one. */
function shown(shape: Shape, raw: string): string {
  return shape.sensitive ? '*******' : raw;
}
