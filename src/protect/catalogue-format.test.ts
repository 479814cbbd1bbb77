// The catalogue format: the example catalogue is valid, and each rule refuses what it should with
// a message that says where and why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseCatalogue, validationMessage } from './catalogue-format.ts';

const EXAMPLE = readFileSync(new URL('../../examples/orders/orders.catalog.json', import.meta.url), 'utf8');
const base = () => JSON.parse(EXAMPLE) as Record<string, unknown> & { Actions: Record<string, unknown>[]; Routes: Record<string, unknown>[] };

function errorsOf(doc: unknown): string[] {
  const r = parseCatalogue(typeof doc === 'string' ? doc : JSON.stringify(doc));
  assert.ok(r.errors, 'expected the catalogue to be refused');
  return r.errors;
}

test('the example orders catalogue is valid and normalised', () => {
  const r = parseCatalogue(EXAMPLE);
  assert.equal(r.errors, undefined);
  const c = r.catalogue!;
  assert.equal(c.Name, 'orders');
  assert.deepEqual(
    c.Actions.map((a) => a.Name),
    ['ListOrders', 'GetOrder', 'CreateOrder', 'CancelOrder'],
  );
  assert.deepEqual(c.Actions[0]!.Resources, []);
  assert.deepEqual(c.Actions[3]!.Resources, [{ Name: 'order', Required: true }]);
  assert.equal(c.ConditionKeys.find((k) => k.Name === 'orders:Amount')?.Type, 'Numeric');
  assert.equal(c.Routes.length, 4);
  // Optional lists may be left out.
  const minimal = parseCatalogue(JSON.stringify({ Name: 'tiny', Actions: [{ Name: 'Ping', AccessLevel: 'Read' }] }));
  assert.deepEqual(minimal.catalogue, {
    Name: 'tiny',
    Actions: [{ Name: 'Ping', AccessLevel: 'Read', Resources: [], ConditionKeys: [] }],
    Resources: [],
    ConditionKeys: [],
    Routes: [],
  });
});

test('not JSON, not an object, too long', () => {
  assert.match(errorsOf('{nope')[0]!, /^Value at 'Catalog' failed to satisfy constraint: Member must be a JSON document/);
  assert.match(errorsOf('[]')[0]!, /at 'Catalog' failed to satisfy constraint: Member must be an object/);
  assert.match(errorsOf(' '.repeat(131073))[0]!, /less than or equal to 131072/);
});

test('the service name: pattern, and not a prefix iamd serves', () => {
  for (const name of ['Orders', 'o', 'a'.repeat(33), 'orders_v2', 'ord ers']) {
    assert.deepEqual(errorsOf({ ...base(), Name: name }).slice(0, 1), [
      `Value '${name}' at 'Name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9-]{2,32}`,
    ]);
  }
  for (const name of ['iam', 'sts', 'iamd', 'aws']) {
    const doc = JSON.parse(EXAMPLE.replaceAll(':orders:', `:${name}:`).replaceAll('"orders', `"${name}`)) as object;
    assert.deepEqual(errorsOf({ ...doc, Name: name }), [
      `Value '${name}' at 'Name' failed to satisfy constraint: Member must not be a service prefix iamd serves itself (iam, sts, iamd, aws)`,
    ]);
  }
  assert.deepEqual(errorsOf({ Actions: [{ Name: 'A', AccessLevel: 'Read' }] }), ["Value null at 'Name' failed to satisfy constraint: Member must not be null"]);
});

test('unknown fields, duplicate names, unknown access levels and key types', () => {
  const doc = base();
  doc.Actions.push({ Name: 'cancelorder', AccessLevel: 'Write' });
  doc.Actions[0]!.Nmae = 'x';
  doc.Actions[1]!.AccessLevel = 'Delete';
  (doc.ConditionKeys as Record<string, unknown>[]).push({ Name: 'orders:Amount', Type: 'Numeric' }, { Name: 'orders:When', Type: 'Timestamp' });
  doc.Extra = true;
  const errors = errorsOf(doc);
  assert.ok(
    errors.includes(
      "Value true at 'Extra' failed to satisfy constraint: Member is not a field of the catalog (Name, Description, Actions, Resources, ConditionKeys, Routes)",
    ),
    errors.join('\n'),
  );
  assert.ok(errors.some((e) => e.startsWith("Value 'x' at 'Actions[0].Nmae' failed to satisfy constraint: Member is not a field of Actions[0]")));
  assert.ok(
    errors.includes("Value 'cancelorder' at 'Actions[4].Name' failed to satisfy constraint: Member must be unique, regardless of case (Actions[3] has it)"),
  );
  assert.ok(
    errors.includes(
      "Value 'Delete' at 'Actions[1].AccessLevel' failed to satisfy constraint: Member must satisfy enum value set: [List, Read, Write, Permissions management, Tagging]",
    ),
  );
  assert.ok(errors.includes("Value 'orders:Amount' at 'ConditionKeys[2].Name' failed to satisfy constraint: Member must be unique (ConditionKeys[0] has it)"));
  assert.ok(
    errors.some((e) =>
      e.startsWith("Value 'Timestamp' at 'ConditionKeys[3].Type' failed to satisfy constraint: Member must satisfy enum value set: [String, ArrayOfString"),
    ),
  );
  assert.match(validationMessage(errors), /^6 validation errors detected: Value /);
});

test('condition keys: prefixed with the service or aws:, and only declared ones named by actions and resources', () => {
  const doc = base();
  (doc.ConditionKeys as Record<string, unknown>[]).push({ Name: 'billing:Amount', Type: 'Numeric' }, { Name: 'orders:ResourceTag/${TagKey}', Type: 'String' });
  doc.Actions[1]!.ConditionKeys = ['orders:Amount', 'orders:Colour', 'aws:PrincipalTag/team', 'orders:ResourceTag/${TagKey}'];
  const errors = errorsOf(doc);
  assert.deepEqual(errors, [
    "Value 'billing:Amount' at 'ConditionKeys[2].Name' failed to satisfy constraint: Member must be orders:Key or aws:Key (letters, digits, _.:/- and ${Variable}s)",
    "Value 'orders:Colour' at 'Actions[1].ConditionKeys[1]' failed to satisfy constraint: Member must name a key of ConditionKeys or a global aws: key",
  ]);
});

test('resource types: ARN formats of the service, with well-formed variables', () => {
  const withFormat = (format: string) => {
    const doc = base();
    (doc.Resources as { ArnFormats: string[] }[])[0]!.ArnFormats = [format];
    return errorsOf(doc);
  };
  assert.match(withFormat('arn:aws:orders:${Region}:${Account}:order/${OrderId}')[0]!, /Member must have \$\{Partition\} as its partition/);
  assert.match(
    withFormat('arn:${Partition}:billing:${Region}:${Account}:order/${OrderId}')[0]!,
    /Member must have the catalog's Name \(orders\) as its service/,
  );
  assert.match(withFormat('arn:${Partition}:orders:${Region}:${Account}:order/${OrderId')[0]!, /Member must write its variables as \$\{Name\}/);
  assert.match(withFormat('arn:${Partition}:orders:${Region}:${Account}:order/*')[0]!, /Member must not have wildcards/);
  assert.match(withFormat('arn:${Partition}:orders:${Region}:${Account}:order/${Account}')[0]!, /Member must not use \$\{Account\} in its resource part/);
  assert.match(withFormat('arn:${Partition}:orders:${Region}:${Account}')[0]!, /Member must be an ARN format/);
  // Global resources (no region, no account) are fine.
  const doc = base();
  (doc.Resources as { ArnFormats: string[] }[])[0]!.ArnFormats = ['arn:${Partition}:orders:::order/${OrderId}'];
  assert.equal(parseCatalogue(JSON.stringify(doc)).errors, undefined);
});

test('routes: known actions and resource types, placeholders that fill the ARN format, no duplicates', () => {
  const route = (r: Record<string, unknown>) => {
    const doc = base();
    doc.Routes.push(r);
    return errorsOf(doc);
  };
  assert.deepEqual(route({ Method: 'POST', Path: '/orders/{OrderId}/refund', Action: 'RefundOrder', Resource: 'order' }), [
    "Value 'RefundOrder' at 'Routes[4].Action' failed to satisfy constraint: Member must name an action of Actions",
  ]);
  assert.deepEqual(route({ Method: 'GET', Path: '/orders/{OrderId}/x', Action: 'GetOrder', Resource: 'invoice' }), [
    "Value 'invoice' at 'Routes[4].Resource' failed to satisfy constraint: Member must name a resource type of Resources",
  ]);
  assert.deepEqual(route({ Method: 'GET', Path: '/orders/{Id}/x', Action: 'GetOrder', Resource: 'order' }), [
    "Value '/orders/{Id}/x' at 'Routes[4].Path' failed to satisfy constraint: Member must have a placeholder for every variable of an ArnFormat of order (arn:${Partition}:orders:${Region}:${Account}:order/${OrderId})",
  ]);
  assert.deepEqual(route({ Method: 'GET', Path: '/orders/{OrderId}/x', Action: 'GetOrder' }), [
    "Value null at 'Routes[4].Resource' failed to satisfy constraint: Member must not be null: the action GetOrder requires the resource type order",
  ]);
  assert.deepEqual(route({ Method: 'GET', Path: '/orders/{Other}', Action: 'ListOrders' }), [
    "Value '/orders/{Other}' at 'Routes[4].Path' failed to satisfy constraint: Member must not match the same requests as Routes[2]",
  ]);
  assert.deepEqual(route({ Method: 'FETCH', Path: '/x', Action: 'ListOrders' }), [
    "Value 'FETCH' at 'Routes[4].Method' failed to satisfy constraint: Member must satisfy enum value set: [GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, *]",
  ]);
  for (const [path, why] of [
    ['orders', /must start with \//],
    ['/orders?x=1', /without query/],
    ['/orders//x', /empty segments/],
    ['/orders/', /empty segments/],
    ['/orders/{Order-Id}', /placeholders with letters and digits/],
    ['/files/{Key+}/x', /only as its last segment/],
    ['/orders/x{OrderId}', /whole segments/],
    ['/orders/%E0%A4%A', /percent-encoded/],
    ['/orders/%2e%2e', /dot segments/],
    ['/a/{X}/{X}', /must not repeat the placeholder/],
  ] as const) {
    const errors = route({ Method: 'GET', Path: path, Action: 'ListOrders' });
    assert.equal(errors.length, 1, `${path}: ${errors.join('\n')}`);
    assert.match(errors[0]!, why, path);
  }
});

test('every problem is reported at once; the message shows ten and counts the rest', () => {
  const doc = base();
  doc.Actions = Array.from({ length: 12 }, (_, i) => ({ Name: `Bad Name ${i}`, AccessLevel: 'Read' }));
  doc.Routes = [];
  const errors = errorsOf(doc);
  assert.equal(errors.length, 12);
  const message = validationMessage(errors);
  assert.match(message, /^12 validation errors detected: Value 'Bad Name 0' at 'Actions\[0\]\.Name'/);
  assert.match(message, /; and 2 more$/);
});
