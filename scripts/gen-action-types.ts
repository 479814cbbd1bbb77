// Writes src/actions/generated/{iam,sts}.ts: the TypeScript types of every operation's input and
// output, generated from the vendored botocore models (models/iam.json, models/sts.json), so that
// each handler is checked against the very shapes the Query transport decodes and encodes with.
//
//   npm run gen:types              regenerate the checked-in files
//   npm run gen:types -- --check   exit 1 when they differ from what the models give
//
// The types follow what the transport really hands over and accepts (src/actions/model/
// decode-input.ts, src/api/query/encode.ts): structures are interfaces keyed by member name
// (not locationName), lists are arrays, maps are records (keys of an enum shape are that enum),
// integer/long/double/float are number, boolean is boolean, timestamp is Date, blob is Buffer
// (decoded from base64; encoded to base64), string is string, and a string shape with an enum is
// a union of its literals. Members the model requires are non-optional; the others optional.
// Output is deterministic: shapes sorted by name (code-unit order), members in model order.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ShapeRef {
  shape: string;
}

interface Shape {
  type: string;
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
}

interface Operation {
  name: string;
  input?: ShapeRef;
  output?: ShapeRef;
}

export interface ServiceModel {
  metadata: { apiVersion: string; serviceId?: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
  vendoredFrom?: string;
}

export interface ServiceSpec {
  /** File name under models/ and src/actions/generated/ ('iam', 'sts'). */
  service: string;
  /** Name of the operation map interface ('IamOperations'). */
  operationsName: string;
}

export const SERVICES: readonly ServiceSpec[] = [
  { service: 'iam', operationsName: 'IamOperations' },
  { service: 'sts', operationsName: 'StsOperations' },
  // iamd's own operations (the workload API), in the same format, written by hand.
  { service: 'iamd', operationsName: 'IamdOperations' },
  // CloudTrail's LookupEvents (the audit trail's query API), vendored by scripts/vendor-models.py.
  { service: 'cloudtrail', operationsName: 'CloudtrailOperations' },
];

/**
 * Members the model marks as required that AWS itself leaves out of some answers, made optional
 * here so that handlers can answer as AWS does. Each one says why.
 */
const OPTIONAL_DESPITE_MODEL: Record<string, Record<string, Record<string, string>>> = {
  iam: {
    User: {
      Path: 'AWS leaves it out for the root user (GetUser without UserName, ListVirtualMFADevices).',
      UserName: 'AWS leaves it out for the root user (GetUser without UserName, ListVirtualMFADevices).',
    },
  },
};

/** Names a generated type must not take: they would shadow what the file itself uses. */
const RESERVED = new Set(['Array', 'Buffer', 'Date', 'Partial', 'Record']);

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function modelPath(service: string): string {
  return `${ROOT}models/${service}.json`;
}

export function outputPath(service: string): string {
  return `${ROOT}src/actions/generated/${service}.ts`;
}

/** The formatter's line width (biome.json): lines are broken where it would break them. */
const LINE_WIDTH = 160;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function typeName(shapeName: string): string {
  return shapeName.charAt(0).toUpperCase() + shapeName.slice(1);
}

/** A string literal in the repository's style (single quotes). */
function literal(value: string): string {
  return /^[^'\\\n\r]*$/.test(value) ? `'${value}'` : JSON.stringify(value);
}

function propertyName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** The TypeScript source of one service's operation types. */
export function renderActionTypes(model: ServiceModel, spec: ServiceSpec): string {
  const shapes = model.shapes;
  const overrides = OPTIONAL_DESPITE_MODEL[spec.service] ?? {};
  const shapeOf = (name: string): Shape => {
    const shape = shapes[name];
    if (!shape) throw new Error(`${spec.service}: shape ${name} is referenced but not defined`);
    return shape;
  };

  // Every shape an operation's input or output reaches.
  const reached = new Set<string>();
  const pending: string[] = [];
  for (const op of Object.values(model.operations)) {
    if (op.input) pending.push(op.input.shape);
    if (op.output) pending.push(op.output.shape);
  }
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (reached.has(name)) continue;
    reached.add(name);
    const shape = shapeOf(name);
    for (const ref of Object.values(shape.members ?? {})) pending.push(ref.shape);
    for (const ref of [shape.member, shape.key, shape.value]) if (ref) pending.push(ref.shape);
  }

  // Named types: structures (interfaces) and enums (unions); scalars, lists and maps are inlined.
  const named = [...reached]
    .filter((n) => {
      const shape = shapeOf(n);
      return shape.type === 'structure' || (shape.type === 'string' && shape.enum);
    })
    .sort((a, b) => byCodeUnit(typeName(a), typeName(b)) || byCodeUnit(a, b));
  const owner = new Map<string, string>();
  for (const n of named) {
    const t = typeName(n);
    if (RESERVED.has(t)) throw new Error(`${spec.service}: shape ${n} would be named ${t}, which the generated file needs`);
    const other = owner.get(t);
    if (other !== undefined) throw new Error(`${spec.service}: shapes ${other} and ${n} would both be named ${t}`);
    owner.set(t, n);
  }
  if (owner.has(spec.operationsName)) throw new Error(`${spec.service}: a shape is named ${spec.operationsName}`);

  const typeOf = (name: string): string => {
    const shape = shapeOf(name);
    switch (shape.type) {
      case 'structure':
        return typeName(name);
      case 'list': {
        const item = typeOf(shape.member!.shape);
        return /^[\w$]+$/.test(item) ? `${item}[]` : `(${item})[]`;
      }
      case 'map': {
        const key = shapeOf(shape.key!.shape);
        const value = typeOf(shape.value!.shape);
        // The decoder checks map keys against their enum: each key is one of its values, each optional.
        return key.enum ? `Partial<Record<${typeName(shape.key!.shape)}, ${value}>>` : `Record<string, ${value}>`;
      }
      case 'string':
        return shape.enum ? typeName(name) : 'string';
      case 'integer':
      case 'long':
      case 'double':
      case 'float':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'timestamp':
        return 'Date';
      case 'blob':
        return 'Buffer';
      default:
        throw new Error(`${spec.service}: shape ${name} has type ${shape.type}, which the generator does not know`);
    }
  };

  const lines: string[] = [];
  lines.push(
    `// GENERATED by scripts/gen-action-types.ts from models/${spec.service}.json (${model.vendoredFrom ?? 'not vendored'}, API ${model.metadata.apiVersion}).`,
    '// Do not edit: change the model or the generator, then run `npm run gen:types`',
    '// (test/generated-types.test.ts fails while this file differs from what they give).',
    '',
  );

  for (const name of named) {
    const shape = shapeOf(name);
    if (shape.type === 'string') {
      const literals = shape.enum!.map(literal);
      const oneLine = `export type ${typeName(name)} = ${literals.join(' | ')};`;
      if (oneLine.length <= LINE_WIDTH) lines.push(oneLine, '');
      else lines.push(`export type ${typeName(name)} =`, ...literals.map((l, i) => `  | ${l}${i === literals.length - 1 ? ';' : ''}`), '');
      continue;
    }
    const required = new Set(shape.required ?? []);
    const members = Object.entries(shape.members ?? {});
    if (members.length === 0) {
      // No members: an object with none (an empty interface would accept any object).
      lines.push(`export type ${typeName(name)} = Record<string, never>;`, '');
      continue;
    }
    lines.push(`export interface ${typeName(name)} {`);
    for (const [member, ref] of members) {
      const why = overrides[name]?.[member];
      if (why !== undefined) {
        if (!required.has(member)) throw new Error(`${spec.service}: ${name}.${member} is listed as required by the model but is not`);
        lines.push(`  /** Required by the model, optional here: ${why} */`);
      }
      const optional = !required.has(member) || why !== undefined;
      lines.push(`  ${propertyName(member)}${optional ? '?' : ''}: ${typeOf(ref.shape)};`);
    }
    lines.push('}', '');
  }
  for (const [shapeName, members] of Object.entries(overrides)) {
    for (const member of Object.keys(members)) {
      if (!reached.has(shapeName) || !shapeOf(shapeName).members?.[member])
        throw new Error(`${spec.service}: override ${shapeName}.${member} names no member of the model`);
    }
  }

  lines.push(
    `/** Every ${spec.service.toUpperCase()} operation of the model: what its handler receives and what it answers. */`,
    `export interface ${spec.operationsName} {`,
  );
  for (const [opName, op] of Object.entries(model.operations).sort(([a], [b]) => byCodeUnit(a, b))) {
    // No input shape: the decoder hands over {}. No output shape: the answer has no result element.
    const input = op.input ? typeOf(op.input.shape) : 'Record<string, never>';
    const output = op.output ? typeOf(op.output.shape) : 'undefined';
    const oneLine = `  ${propertyName(opName)}: { input: ${input}; output: ${output} };`;
    if (oneLine.length <= LINE_WIDTH) lines.push(oneLine);
    else lines.push(`  ${propertyName(opName)}: {`, `    input: ${input};`, `    output: ${output};`, '  };');
  }
  lines.push('}', '');
  return lines.join('\n');
}

export function readModel(service: string): ServiceModel {
  return JSON.parse(readFileSync(modelPath(service), 'utf8')) as ServiceModel;
}

function main(args: string[]): void {
  const check = args.includes('--check');
  let stale = 0;
  for (const spec of SERVICES) {
    const text = renderActionTypes(readModel(spec.service), spec);
    const path = outputPath(spec.service);
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) {
      console.error(`${path} is out of date: run npm run gen:types`);
      stale++;
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
