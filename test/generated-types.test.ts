// The operation types in src/actions/generated are what scripts/gen-action-types.ts makes of the
// vendored models, byte for byte: editing a model or the generator without `npm run gen:types`
// (or editing a generated file by hand) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { outputPath, readModel, renderActionTypes, SERVICES } from '../scripts/gen-action-types.ts';
import { buildRegistry } from '../src/operations.ts';

for (const spec of SERVICES) {
  test(`src/actions/generated/${spec.service}.ts is up to date with models/${spec.service}.json (npm run gen:types)`, () => {
    const expected = renderActionTypes(readModel(spec.service), spec);
    const current = readFileSync(outputPath(spec.service), 'utf8');
    if (current !== expected) {
      const a = current.split('\n');
      const b = expected.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(
        `${spec.service}.ts differs from the generator's output from line ${line + 1}:\n  checked in: ${a[line]}\n  generated:  ${b[line]}\nRun npm run gen:types.`,
      );
    }
  });

  test(`${spec.service}: the generator's output does not depend on the order of the model`, () => {
    const model = readModel(spec.service);
    const reversed = {
      ...model,
      operations: Object.fromEntries(Object.entries(model.operations).reverse()),
      shapes: Object.fromEntries(Object.entries(model.shapes).reverse()),
    };
    assert.equal(renderActionTypes(reversed, spec), renderActionTypes(model, spec));
  });
}

test('every registered action is an operation of its model', () => {
  const registry = buildRegistry();
  for (const spec of SERVICES) {
    const operations = new Set(Object.keys(readModel(spec.service).operations));
    for (const name of registry.names(spec.service)) assert.ok(operations.has(name), `${spec.service}:${name}`);
  }
});
