// The client side of iamd's workload API, for `iamd exec` and `iamd workload …`: requests signed
// with Signature V4 using the operator's own AWS credentials from the environment.
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DEFAULT_PORT } from '../config.ts';

export interface OperatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function endpointFromEnv(env: NodeJS.ProcessEnv, flag?: string): string {
  return (flag ?? env.IAMD_ENDPOINT ?? env.AWS_ENDPOINT_URL_IAM ?? env.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(/\/+$/, '');
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): OperatorCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new Error("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to credentials allowed iam:PassRole on the instance profile's role");
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN };
}

/** The operator's signed client of iamd's own JSON APIs, for `iamd workload|service|gateway …`. */
export class IamdClient {
  private readonly signer: SignatureV4;

  constructor(
    private readonly endpoint: string,
    credentials: OperatorCredentials,
    // The operator's region, as the AWS CLI takes it: it must be one of the partition iamd serves.
    region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  ) {
    this.signer = new SignatureV4({ credentials, region, service: 'iam', sha256: Sha256 });
  }

  /**
   * One signed call to iamd's JSON APIs (workloads, catalogues, gateways). A string body is sent
   * as it is (a catalogue document travels as its own text); anything else as JSON.
   */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, query: Record<string, string> = {}): Promise<T> {
    const url = new URL(path, this.endpoint);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { host: url.host };
    if (text !== undefined) headers['content-type'] = 'application/json';
    const signed = await this.signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: text,
    });
    const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, body: text });
    const payload = (await res.json()) as T & { Code?: string; Message?: string };
    if (!res.ok) throw new Error(`${payload.Code ?? res.status}: ${payload.Message ?? res.statusText}`);
    return payload;
  }
}

/** The environment a workload's process gets: container credentials, and no long-lived key. */
export function workloadEnvironment(base: NodeJS.ProcessEnv, credentialsUrl: string, token: string): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_SECURITY_TOKEN',
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  ]) {
    delete env[name];
  }
  // A shared credentials file would come before container credentials in every SDK's chain.
  env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';
  env.AWS_CONTAINER_CREDENTIALS_FULL_URI = credentialsUrl;
  env.AWS_CONTAINER_AUTHORIZATION_TOKEN = token;
  return env;
}
