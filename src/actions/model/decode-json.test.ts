// The JSON transports' direct decoder (decode-json.ts) against the path it replaces — flatten the
// JSON into Query-style parameters (toParamsFor), then decode those (decodeInput) — on random inputs
// built from every operation's input shape, valid and not: the same input or the same error, word
// for word, every time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AwsError } from '../../errors/aws-error.ts';
import { decodeInput } from './decode-input.ts';
import { decodeJson, JsonInput } from './decode-json.ts';
import { toParamsFor } from './flatten-params.ts';
import { iamdModel, iamModel, shapeOf, type ServiceModel, type Shape } from './service-model.ts';

type Outcome = { input: unknown } | { error: string };

function outcome(run: () => Record<string, unknown>): Outcome {
  try {
    return { input: run() };
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    return { error: `${e.code}: ${e.message}` };
  }
}

const viaParams = (model: ServiceModel, shape: string, value: Record<string, unknown>) =>
  outcome(() => decodeInput(model, shape, toParamsFor(model, shape, value)));
const direct = (model: ServiceModel, shape: string, value: Record<string, unknown>) => outcome(() => decodeJson(model, shape, value));

/** Anything a JSON body may hold where a value of another type was expected, and the Query form's empty cases. */
const wrong = fc.oneof(
  fc.constantFrom(null, {}, [], '', 0, -1, 1.5, true, false, 'true', 'x', [null], [{}], { a: 1 }, 'NaN', '1e3', ' 7', '12345678901234567890'),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A string the model's checks look at: short, long, with surrogate pairs, an enum value, or anything. */
function stringFor(shape: Shape): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.constantFrom('GET', 'POST', '/', '/orders/1', 'orders:GetOrder', 'arn:aws:orders:eu-west-1:123456789012:order/1', '10.0.0.1', 'e3b0c4', '😀😀'),
  ];
  if (shape.enum && shape.enum.length > 0) options.push(fc.constantFrom(...shape.enum));
  if (shape.max !== undefined && shape.max < 200) options.push(fc.string({ minLength: shape.max, maxLength: shape.max + 2 }));
  return fc.oneof(...options);
}

/** A value of `shape`'s JSON form; at every level, now and then, something else. */
function valueFor(model: ServiceModel, shape: Shape, depth: number): fc.Arbitrary<unknown> {
  const right = ((): fc.Arbitrary<unknown> => {
    if (depth > 4) return fc.constant(undefined);
    switch (shape.type) {
      case 'structure': {
        const members: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, ref] of Object.entries(shape.members ?? {})) members[name] = valueFor(model, shapeOf(model, ref.shape), depth + 1);
        return fc.record(members, { requiredKeys: [] });
      }
      case 'list':
        return fc.array(valueFor(model, shapeOf(model, shape.member!.shape), depth + 1), { maxLength: 4 });
      case 'map':
        return fc.dictionary(
          fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('host', 'x-amz-date', 'orders:Amount', 'aws:SourceIp')),
          valueFor(model, shapeOf(model, shape.value!.shape), depth + 1),
          {
            maxKeys: 4,
          },
        );
      case 'string':
        return stringFor(shape);
      case 'integer':
      case 'long':
      case 'double':
      case 'float':
        return fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double(), fc.constantFrom('42', '-1', '3.5', ''));
      case 'boolean':
        return fc.oneof(fc.boolean(), fc.constantFrom('TRUE', 'False', 'yes', ''));
      case 'timestamp':
        return fc.oneof(fc.constantFrom('2024-01-02T03:04:05Z', '1700000000', '1700000000.5', 'yesterday', ''), fc.integer({ min: 0, max: 2e9 }));
      default:
        return fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('aGVsbG8=', ''));
    }
  })();
  return fc.oneof({ arbitrary: right, weight: 6 }, { arbitrary: wrong, weight: 1 });
}

function checkModel(model: ServiceModel, operations: string[], numRuns: number): void {
  for (const op of operations) {
    const shapeName = model.operations[op]?.input?.shape;
    if (shapeName === undefined) continue;
    const input = valueFor(model, shapeOf(model, shapeName), 0).filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    fc.assert(
      fc.property(input, (value) => {
        // As a transport gets it: what JSON.parse makes of the body.
        const parsed = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
        assert.deepStrictEqual(direct(model, shapeName, parsed), viaParams(model, shapeName, parsed), `${op}: ${JSON.stringify(parsed)}`);
      }),
      { numRuns },
    );
  }
}

describe('decodeJson: the same result as flattening then decoding', () => {
  test("every operation of iamd's own model (the JSON transports')", () => {
    checkModel(iamdModel, Object.keys(iamdModel.operations), 400);
  });

  test('the IAM model too (its structures, lists, maps and constraints)', () => {
    checkModel(iamModel, Object.keys(iamModel.operations), 40);
  });

  test('the Query form’s quirks, kept: empty members are absent, a list ends at its first empty item, `__proto__` is refused', () => {
    const shape = 'BatchAuthorizeRequest';
    const request = { Method: 'GET', Path: '/', Headers: { host: 'h' } };
    const cases: Record<string, unknown>[] = [
      {},
      { Request: {} },
      { Request: null, Requests: [] },
      { Request: request, Requests: [null, { Action: 'a:b', Resource: '*' }] },
      { Request: request, Requests: [{ Action: 'a:b', Resource: '*' }, {}, { Action: 'a:c', Resource: '*' }] },
      { Request: { ...request, Headers: {} }, Requests: [{ Action: 'a:b', Resource: '*', Context: { 'a:k': [] } }] },
      { Request: { ...request, Headers: { host: null } }, Requests: [{ Action: 'a:b', Resource: '*', Context: { 'a:k': [null, 'v'] } }] },
      JSON.parse('{"Request":{"Method":"GET","Path":"/","Headers":{"__proto__":"x"}},"Requests":[]}'),
      { Request: { ...request, Method: 7, Body: true }, Requests: Array.from({ length: 31 }, () => ({ Action: 'a:b', Resource: '*' })) },
      { Request: { ...request, Headers: 'host' } },
      { Request: request, Requests: [{ Action: ['a:b'], Resource: '*' }] },
    ];
    for (const value of cases) assert.deepStrictEqual(direct(iamdModel, shape, value), viaParams(iamdModel, shape, value), JSON.stringify(value));
  });

  test('decodeInput takes a JsonInput and decodes it directly', () => {
    const value = { Request: { Method: 'GET', Path: '/', Headers: { host: 'h' } }, Action: 'orders:GetOrder', Resource: '*' };
    assert.deepStrictEqual(
      decodeInput(iamdModel, 'AuthorizeRequest', new JsonInput(value)),
      decodeInput(iamdModel, 'AuthorizeRequest', toParamsFor(iamdModel, 'AuthorizeRequest', value)),
    );
  });
});
