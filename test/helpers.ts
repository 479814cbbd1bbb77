// Test support: an in-process iamd on a free port with known root credentials, and clients of
// the real AWS SDK pointed at it.
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { pino } from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type App } from '../src/app.ts';
import { configFromEnv, type Config } from '../src/config.ts';

export const ROOT_KEY = { accessKeyId: 'AKIAIOSFODNN7ROOTKEY', secretAccessKey: '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' };
export const ACCOUNT_ID = '111122223333';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export async function startTestApp(overrides: Partial<Config> = {}, clock?: () => Date): Promise<App> {
  const config: Config = {
    ...configFromEnv({}),
    host: '127.0.0.1',
    port: 0,
    dataDir: ':memory:',
    accountId: ACCOUNT_ID,
    rootAccessKeyId: ROOT_KEY.accessKeyId,
    rootSecretAccessKey: ROOT_KEY.secretAccessKey,
    logLevel: 'silent',
    ...overrides,
  };
  return startApp(config, { logger: pino({ level: 'silent' }), clock });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'iamd-test-'));
}

const clientOptions = (app: App | string, credentials: Credentials, region = 'us-east-1') => ({
  endpoint: typeof app === 'string' ? app : app.url,
  region,
  credentials,
  maxAttempts: 1,
});

export function iamClient(app: App | string, credentials: Credentials = ROOT_KEY, region?: string): IAMClient {
  return new IAMClient(clientOptions(app, credentials, region));
}

export function stsClient(app: App | string, credentials: Credentials = ROOT_KEY, region?: string): STSClient {
  return new STSClient(clientOptions(app, credentials, region));
}

/** Runs fn and returns the AWS error it throws (fails if it does not throw). */
export async function awsError(fn: () => Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await fn();
  } catch (err) {
    // `name` is the wire error code (NoSuchEntity), as AWS's docs and the other SDKs name it.
    const e = err as { name: string; Code?: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected an AWS error, but the call succeeded');
}
