// SigV4-signed AWS Query requests, ready to hand to autocannon or fetch. Signing happens up front
// (a signature stays valid for 15 minutes), so a load run measures the server, not the signer.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body: string;
}

export const API_VERSIONS = { iam: '2010-05-08', sts: '2011-06-15' } as const;

/** Signs one Query API call (form-encoded POST to /) for the server at baseUrl. */
export async function signQuery(
  baseUrl: string,
  credentials: Credentials,
  service: 'iam' | 'sts',
  action: string,
  params: Record<string, string> = {},
): Promise<SignedRequest> {
  const url = new URL(baseUrl);
  const body = new URLSearchParams({ Action: action, Version: API_VERSIONS[service], ...params }).toString();
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return { method: 'POST', path: '/', headers: signed.headers as Record<string, string>, body };
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): Buffer | string =>
  typeof d === 'string' ? d : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

/**
 * SHA-256 and HMAC from node:crypto in the shape @smithy/signature-v4 takes (its `sha256`): the
 * same signatures as @aws-crypto/sha256-js, several times faster, for the large pools signed
 * before a run.
 */
export class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** Signs one call to iamd's JSON API (POST `path` unless told, signing name `iam`), as a protected service makes it. */
export async function signJson(
  baseUrl: string,
  credentials: Credentials,
  path: string,
  payload: unknown,
  method: 'POST' | 'PUT' = 'POST',
): Promise<SignedRequest> {
  const url = new URL(baseUrl);
  const body = JSON.stringify(payload);
  const signer = new SignatureV4({ service: 'iam', region: 'us-east-1', credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  return { method, path, headers: signed.headers as Record<string, string>, body };
}

/**
 * A client's request straight to a protected service (or its gateway) at baseUrl, signed as the AWS
 * SDK v3 signs it for `service` (x-amz-content-sha256 included), ready to send as is.
 */
export async function signClientRequest(
  baseUrl: string,
  credentials: Credentials,
  o: { service: string; region: string; method: 'GET' | 'POST'; path: string; body?: string },
): Promise<SignedRequest> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { host: url.host };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const signer = new SignatureV4({ service: o.service, region: o.region, credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: o.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: o.path,
    query: {},
    headers,
    body: o.body,
  });
  return { method: o.method, path: o.path, headers: signed.headers as Record<string, string>, body: o.body ?? '' };
}

/** A client's request to a protected service as the middleware relays it (docs/authorization-api.md's `Request`). */
export interface EmbeddedRequest {
  Method: string;
  Path: string;
  Query?: string;
  Headers: Record<string, string>;
  PayloadHash: string;
  SourceIp?: string;
}

/**
 * A client's request to a protected service (`host`, signing name `service`), signed with the
 * client's key as the AWS SDK signs it, in the shape the middleware sends to iamd: the signed
 * headers and the body's SHA-256.
 */
export async function signEmbedded(
  credentials: Credentials,
  o: { service: string; region: string; host: string; method: string; path: string; body?: string; sourceIp?: string },
): Promise<EmbeddedRequest> {
  const [hostname, port] = o.host.split(':');
  const headers: Record<string, string> = { host: o.host };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const signer = new SignatureV4({ service: o.service, region: o.region, credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: o.method,
    protocol: 'http:',
    hostname: hostname!,
    port: Number(port ?? 80),
    path: o.path,
    query: {},
    headers,
    body: o.body,
  });
  const out: EmbeddedRequest = {
    Method: o.method,
    Path: o.path,
    Headers: signed.headers as Record<string, string>,
    PayloadHash: createHash('sha256')
      .update(o.body ?? '')
      .digest('hex'),
  };
  if (o.sourceIp !== undefined) out.SourceIp = o.sourceIp;
  return out;
}

/** Sends a signed request once; returns the status and body text. */
export async function send(baseUrl: string, req: SignedRequest): Promise<{ status: number; text: string }> {
  const headers = { ...req.headers };
  delete headers.host; // fetch sets it (to the same value)
  const body = req.method === 'GET' && req.body === '' ? undefined : req.body;
  const res = await fetch(new URL(req.path, baseUrl), { method: req.method, headers, body });
  return { status: res.status, text: await res.text() };
}

/** Signs and sends one call; throws unless the answer is 200. Returns the XML text. */
export async function call(
  baseUrl: string,
  credentials: Credentials,
  service: 'iam' | 'sts',
  action: string,
  params: Record<string, string> = {},
): Promise<string> {
  const res = await send(baseUrl, await signQuery(baseUrl, credentials, service, action, params));
  if (res.status !== 200) throw new Error(`${action} at ${baseUrl}: HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  return res.text;
}

/** The text of the first <Tag>…</Tag> in an XML answer. */
export function xmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}
