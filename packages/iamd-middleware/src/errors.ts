// Refusals in the AWS JSON protocol's error style: `{"__type": code, "message": …}` with the code
// also in `x-amzn-ErrorType`, as AWS's JSON services answer (botocore and the SDKs read both).
import { randomUUID } from 'node:crypto';
import type { Verdict } from './client.ts';

export interface AwsErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function awsErrorResponse(status: number, code: string, message: string): AwsErrorResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-errortype': code,
    'x-amzn-requestid': randomUUID(),
    'cache-control': 'no-store',
  };
  // RFC 9110: a 401 names the scheme it wants.
  if (status === 401) headers['www-authenticate'] = 'AWS4-HMAC-SHA256';
  return { status, headers, body: JSON.stringify({ __type: code, message }) };
}

export function refusal(verdict: Extract<Verdict, { allowed: false }>): AwsErrorResponse {
  return awsErrorResponse(verdict.status, verdict.code, verdict.message);
}

/** When iamd cannot be asked, the request is refused (fail closed) with AWS's internal-error answer. */
export function internalFailure(): AwsErrorResponse {
  return awsErrorResponse(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.');
}

export function bodyTooLarge(limit: number): AwsErrorResponse {
  return awsErrorResponse(413, 'RequestEntityTooLarge', `The request body is larger than ${limit} bytes.`);
}
