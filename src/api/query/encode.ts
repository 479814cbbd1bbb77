// Encodes an operation's output as AWS Query-protocol XML, walking the model's output shape so
// that element names, member order, list (`<member>`) and map (`<entry>`) nesting match what the
// SDKs parse. Written as direct string building with one escaping function, by encoders built
// once per shape: it runs on every response, and a general XML builder cost more than the rest of
// a GetCallerIdentity together.
import type { AwsError } from '../../errors/aws-error.ts';
import { shapeOf, type ServiceModel, type Shape } from '../../actions/model/service-model.ts';

// The same creation dates are written again and again (every GetUser, every page of ListUsers).
const isoByTime = new Map<number, string>();

/** AWS's timestamp form in Query responses: ISO 8601 in UTC without milliseconds. */
export function isoTimestamp(d: Date): string {
  const time = d.getTime();
  let text = isoByTime.get(time);
  if (text === undefined) {
    const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (or ±YYYYYY-… far outside 0–9999)
    text = iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
    if (isoByTime.size >= 10_000) isoByTime.clear();
    isoByTime.set(time, text);
  }
  return text;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };
// XML 1.0 cannot carry these at all, even escaped: they are dropped.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
// Anything that needs work: one test decides for the common text that needs none.
const SPECIAL = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Text content, escaped for XML. */
export function escapeXml(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(NOT_XML, '').replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c);
}

/** Writes one value of a shape as the content of its element. */
type Encoder = (value: unknown) => string;

// Each shape's encoder is built once from the model (members, element names, nested encoders) and
// reused for every response: walking the model per value cost more than writing the XML.
const encoders = new WeakMap<Shape, Encoder>();

function encoderFor(model: ServiceModel, shape: Shape): Encoder {
  let encoder = encoders.get(shape);
  if (encoder === undefined) {
    encoder = buildEncoder(model, shape);
    encoders.set(shape, encoder);
  }
  return encoder;
}

/** An element's tags and the encoder of its content, resolved on first use (shapes may nest). */
class Child {
  readonly open: string;
  readonly close: string;
  private encoder?: Encoder;
  constructor(
    private readonly model: ServiceModel,
    name: string,
    private readonly shape: Shape,
  ) {
    this.open = `<${name}>`;
    this.close = `</${name}>`;
  }
  element(value: unknown): string {
    this.encoder ??= encoderFor(this.model, this.shape);
    return this.open + this.encoder(value) + this.close;
  }
}

function buildEncoder(model: ServiceModel, shape: Shape): Encoder {
  switch (shape.type) {
    case 'structure': {
      const members = Object.entries(shape.members ?? {}).map(([name, ref]) => ({
        name,
        child: new Child(model, ref.locationName ?? name, shapeOf(model, ref.shape)),
      }));
      return (value) => {
        const obj = value as Record<string, unknown>;
        let out = '';
        for (const m of members) {
          const v = obj[m.name];
          if (v !== undefined && v !== null) out += m.child.element(v);
        }
        return out;
      };
    }
    case 'list': {
      const item = new Child(model, 'member', shapeOf(model, shape.member!.shape));
      return (value) => {
        let out = '';
        for (const v of value as unknown[]) out += item.element(v);
        return out;
      };
    }
    case 'map': {
      const key = new Child(model, 'key', shapeOf(model, shape.key!.shape));
      const val = new Child(model, 'value', shapeOf(model, shape.value!.shape));
      return (value) => {
        let out = '';
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) out += `<entry>${key.element(k)}${val.element(v)}</entry>`;
        return out;
      };
    }
    case 'timestamp':
      return (value) => isoTimestamp(value instanceof Date ? value : new Date(value as string));
    case 'boolean':
      return (value) => (value ? 'true' : 'false');
    case 'blob':
      return (value) => (Buffer.isBuffer(value) ? value.toString('base64') : escapeXml(String(value)));
    default:
      return (value) => escapeXml(typeof value === 'string' ? value : String(value));
  }
}

/** `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>` */
export function encodeResponse(model: ServiceModel, operationName: string, output: Record<string, unknown> | undefined, requestId: string): string {
  const op = model.operations[operationName];
  if (!op) throw new Error(`no operation ${operationName} to encode`);
  let body = `<${operationName}Response xmlns="${model.metadata.xmlNamespace}">`;
  if (op.output?.resultWrapper) {
    const wrapper = op.output.resultWrapper;
    body += `<${wrapper}>${encoderFor(model, shapeOf(model, op.output.shape))(output ?? {})}</${wrapper}>`;
  }
  body += `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${operationName}Response>`;
  return body;
}

/** AWS's Query error document; `details` become further children of <Error>. */
export function encodeError(
  error: Pick<AwsError, 'code' | 'message' | 'type' | 'details'>,
  requestId: string,
  xmlNamespace = 'https://iam.amazonaws.com/doc/2010-05-08/',
): string {
  let extra = '';
  for (const [name, value] of Object.entries(error.details ?? {})) extra += `<${name}>${escapeXml(value)}</${name}>`;
  return (
    `<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    // Some errors carry no message on AWS (GetCredentialReport's ReportNotPresent): no <Message> then.
    `${error.message === '' ? '' : `<Message>${escapeXml(error.message)}</Message>`}${extra}</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
