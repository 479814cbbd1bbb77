// Encodes an operation's output as AWS Query-protocol XML, walking the model's output shape so
// that element names, member order, list (`<member>`) and map (`<entry>`) nesting match what the
// SDKs parse. XML text and escaping come from fast-xml-parser's builder.
import { XMLBuilder } from 'fast-xml-parser';
import type { AwsError } from '../../errors/aws-error.ts';
import type { ServiceModel, Shape } from './model.ts';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

/** AWS's timestamp form in Query responses: ISO 8601 in UTC without milliseconds. */
export function isoTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toXmlValue(model: ServiceModel, shape: Shape, value: unknown): unknown {
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const obj = value as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const v = obj[name];
        if (v === undefined || v === null) continue;
        out[ref.locationName ?? name] = toXmlValue(model, model.shapes[ref.shape], v);
      }
      return out;
    }
    case 'list': {
      const itemShape = model.shapes[shape.member!.shape];
      const items = (value as unknown[]).map((v) => toXmlValue(model, itemShape, v));
      // An empty list is still written as an empty element, as AWS does.
      return items.length === 0 ? '' : { member: items };
    }
    case 'map': {
      const keyShape = model.shapes[shape.key!.shape];
      const valueShape = model.shapes[shape.value!.shape];
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({
        key: toXmlValue(model, keyShape, k),
        value: toXmlValue(model, valueShape, v),
      }));
      return entries.length === 0 ? '' : { entry: entries };
    }
    case 'timestamp':
      return isoTimestamp(value instanceof Date ? value : new Date(value as string));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : String(value);
    default:
      return String(value);
  }
}

/** `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>` */
export function encodeResponse(model: ServiceModel, operationName: string, output: Record<string, unknown> | undefined, requestId: string): string {
  const op = model.operations[operationName];
  const body: Record<string, unknown> = { '@_xmlns': model.metadata.xmlNamespace };
  if (op.output && op.output.resultWrapper) {
    body[op.output.resultWrapper] = toXmlValue(model, model.shapes[op.output.shape], output ?? {});
  }
  body.ResponseMetadata = { RequestId: requestId };
  return builder.build({ [`${operationName}Response`]: body }) as string;
}

/** AWS's Query error document. */
export function encodeError(error: Pick<AwsError, 'code' | 'message' | 'type' | 'details'>, requestId: string, xmlNamespace = 'https://iam.amazonaws.com/doc/2010-05-08/'): string {
  return builder.build({
    ErrorResponse: {
      '@_xmlns': xmlNamespace,
      Error: { Type: error.type, Code: error.code, Message: error.message, ...error.details },
      RequestId: requestId,
    },
  }) as string;
}
