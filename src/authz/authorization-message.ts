// Encoded authorization messages: an AccessDenied carries the decision's details sealed under the
// master key (as AWS services do), and sts:DecodeAuthorizationMessage opens them for callers
// allowed to read them. The JSON follows AWS's decoded-message shape.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Caller } from '../domain/caller.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Decision } from '../policy/index.ts';

const AAD = 'iamd-authorization-message';
/** encodedMessageType in the STS model allows at most 10,240 characters. */
export const MAX_ENCODED_LENGTH = 10_240;

export function encodeAuthorizationMessage(
  secrets: SecretBox,
  decision: Decision,
  caller: Caller,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
): string {
  const conditions = Object.entries(context).map(([key, value]) => ({
    key,
    values: { items: (Array.isArray(value) ? value : [value]).map((v) => ({ value: v })) },
  }));
  const build = (items: typeof conditions) => ({
    allowed: decision.decision === 'Allowed',
    explicitDeny: decision.decision === 'ExplicitlyDenied',
    matchedStatements: {
      items: decision.matchedStatements.map((m) => ({
        statementId: m.sid ?? '',
        effect: m.effect.toUpperCase(),
        policy: m.source.arn ?? m.source.name,
        policyType: m.source.type,
        index: m.index,
      })),
    },
    failures: { items: decision.deniedBy ? [{ deniedBy: decision.deniedBy }] : [] },
    context: { principal: { id: caller.userId, arn: caller.arn }, action, resource, conditions: { items } },
  });
  // Keep within the API's limit: drop condition values from the end until it fits.
  for (let n = conditions.length; n >= 0; n = n === 0 ? -1 : Math.floor(n / 2)) {
    const packed = deflateRawSync(Buffer.from(JSON.stringify(build(conditions.slice(0, n))), 'utf8')).toString('base64');
    const sealed = secrets.seal(packed, AAD);
    if (sealed.length <= MAX_ENCODED_LENGTH) return sealed;
  }
  return secrets.seal(deflateRawSync(Buffer.from(JSON.stringify(build([])), 'utf8')).toString('base64'), AAD);
}

/** The decoded JSON, or undefined when the message was not issued by this iamd (or was altered). */
export function decodeAuthorizationMessage(secrets: SecretBox, encoded: string): string | undefined {
  try {
    return inflateRawSync(Buffer.from(secrets.open(encoded, AAD), 'base64')).toString('utf8');
  } catch {
    return undefined;
  }
}
