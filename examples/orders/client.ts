// A client of the orders service: signs each request with Signature V4 for the service name
// `orders`, with the AWS default credential chain (environment, profiles, container or instance
// credentials — so it runs unchanged under `iamd exec --instance-profile …`, with no key).
//
//   npx tsx examples/orders/client.ts GET  http://127.0.0.1:8080/orders
//   npx tsx examples/orders/client.ts POST http://127.0.0.1:8080/orders '{"Item":"book","Amount":12}'
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { fileURLToPath } from 'node:url';

export interface ClientCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedFetchOptions {
  method?: string;
  body?: string;
  /** Default: the AWS default credential chain. */
  credentials?: ClientCredentials | (() => Promise<ClientCredentials>);
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1. */
  region?: string;
  service?: string;
  headers?: Record<string, string>;
}

/** fetch(), signed for the orders service. The body is sent as JSON when there is one. */
export async function signedFetch(url: string, options: SignedFetchOptions = {}): Promise<Response> {
  const target = new URL(url);
  const method = options.method ?? 'GET';
  const signer = new SignatureV4({
    service: options.service ?? 'orders',
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    credentials: options.credentials ?? fromNodeProviderChain(),
    sha256: Sha256,
  });
  const headers: Record<string, string> = { host: target.host, ...options.headers };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const signed = await signer.sign({
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port ? Number(target.port) : undefined,
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers,
    body: options.body,
  });
  return fetch(target, { method, headers: signed.headers as Record<string, string>, body: options.body });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [method, url, body] = process.argv.slice(2);
  if (!method || !url) {
    console.error('usage: client.ts METHOD URL [JSON-BODY]');
    process.exit(2);
  }
  const res = await signedFetch(url, { method, body });
  console.log(`HTTP ${res.status}`);
  console.log(await res.text());
  process.exit(res.ok ? 0 : 1);
}
