// Encodes an operation's output as AWS Query-protocol XML, walking the model's output shape so
// that element names, member order, list (`<member>`) and map (`<entry>`) nesting match what the
// SDKs parse. Written as direct string building with one escaping function: it runs on every
// response, and a general XML builder cost more than the rest of a GetCallerIdentity together.
import type { AwsError } from '../../errors/aws-error.ts';
import type { ServiceModel, Shape } from './model.ts';

/** AWS's timestamp form in Query responses: ISO 8601 in UTC without milliseconds. */
export function isoTimestamp(d: Date): string {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (or ±YYYYYY-… far outside 0–9999)
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };
const NEEDS_ESCAPE = /[&<>"'\r]/;
// XML 1.0 cannot carry these at all, even escaped: they are dropped.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NOT_XML_ALL = new RegExp(NOT_XML.source, 'g');

/** Text content, escaped for XML. */
export function escapeXml(text: string): string {
  let s = NOT_XML.test(text) ? text.replace(NOT_XML_ALL, '') : text;
  if (NEEDS_ESCAPE.test(s)) s = s.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]);
  return s;
}

function scalar(shape: Shape, value: unknown): string {
  switch (shape.type) {
    case 'timestamp':
      return isoTimestamp(value instanceof Date ? value : new Date(value as string));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : escapeXml(String(value));
    default:
      return escapeXml(String(value));
  }
}

/** The XML of `value` inside an element named `name`, per its shape. */
function element(model: ServiceModel, name: string, shape: Shape, value: unknown): string {
  return `<${name}>${content(model, shape, value)}</${name}>`;
}

function content(model: ServiceModel, shape: Shape, value: unknown): string {
  switch (shape.type) {
    case 'structure': {
      let out = '';
      const obj = value as Record<string, unknown>;
      for (const name in shape.members) {
        const v = obj[name];
        if (v === undefined || v === null) continue;
        const ref = shape.members[name];
        out += element(model, ref.locationName ?? name, model.shapes[ref.shape], v);
      }
      return out;
    }
    case 'list': {
      const itemShape = model.shapes[shape.member!.shape];
      let out = '';
      for (const item of value as unknown[]) out += element(model, 'member', itemShape, item);
      return out;
    }
    case 'map': {
      const keyShape = model.shapes[shape.key!.shape];
      const valueShape = model.shapes[shape.value!.shape];
      let out = '';
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out += `<entry>${element(model, 'key', keyShape, k)}${element(model, 'value', valueShape, v)}</entry>`;
      }
      return out;
    }
    default:
      return scalar(shape, value);
  }
}

/** `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>` */
export function encodeResponse(model: ServiceModel, operationName: string, output: Record<string, unknown> | undefined, requestId: string): string {
  const op = model.operations[operationName];
  let body = `<${operationName}Response xmlns="${model.metadata.xmlNamespace}">`;
  if (op.output?.resultWrapper) body += element(model, op.output.resultWrapper, model.shapes[op.output.shape], output ?? {});
  body += `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${operationName}Response>`;
  return body;
}

/** AWS's Query error document; `details` become further children of <Error>. */
export function encodeError(error: Pick<AwsError, 'code' | 'message' | 'type' | 'details'>, requestId: string, xmlNamespace = 'https://iam.amazonaws.com/doc/2010-05-08/'): string {
  let extra = '';
  for (const [name, value] of Object.entries(error.details ?? {})) extra += `<${name}>${escapeXml(value)}</${name}>`;
  return (
    `<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message>${extra}</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
