// SigV4-signed AWS Query requests, ready to hand to autocannon or fetch. Signing happens up front
// (a signature stays valid for 15 minutes), so a load run measures the server, not the signer.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: 'POST';
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

/** Sends a signed request once; returns the status and body text. */
export async function send(baseUrl: string, req: SignedRequest): Promise<{ status: number; text: string }> {
  const headers = { ...req.headers };
  delete headers.host; // fetch sets it (to the same value)
  const res = await fetch(new URL(req.path, baseUrl), { method: req.method, headers, body: req.body });
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
