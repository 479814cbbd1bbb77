// Temporary credentials, stateless: the session token *is* the session. Everything a request
// needs to know about it (principal, role id, session name, times, MFA, tags, session policies,
// source identity and the secret) is sealed with AES-256-GCM under the master key, bound to the
// ASIA key id as additional authenticated data, and encoded base64url. Nothing is stored, a token
// cannot be forged or altered, and a token copied under another key id fails to open.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { ActionContext } from '../actions/context.ts';
import { newSecretAccessKey } from '../domain/ids.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { firstErrorMessage, parsePolicy, policySizeWithoutWhitespace } from '../policy/index.ts';
import { parsePolicyArn } from '../domain/arn.ts';
import type { Repo } from '../store/repo.ts';
import type { Transactions } from '../store/store.ts';
import { acceptMfaCode } from '../iam/mfa.ts';

/** Which STS action issued the session. */
export type SessionKind = 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'AssumeRoleWithSAML' | 'GetSessionToken' | 'GetFederationToken';

/** Sessions of a role, whichever way they were obtained. */
export function isRoleSession(kind: SessionKind): boolean {
  return kind === 'AssumeRole' || kind === 'AssumeRoleWithWebIdentity' || kind === 'AssumeRoleWithSAML';
}

export interface SessionClaims {
  v: 1;
  kind: SessionKind;
  accountId: string;
  /** AssumeRole: the role's id (AROA…). GetSessionToken / GetFederationToken: the user's id (AIDA…), or null for root. */
  principalId: string | null;
  /** AssumeRole: the role's name when it was assumed (the session ARN keeps it). */
  roleName?: string;
  /** AssumeRole: the role session name; GetFederationToken: the federated user's name. */
  sessionName?: string;
  /** Epoch milliseconds. */
  issuedAt: number;
  expiresAt: number;
  mfaAt?: number;
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
  /** Session policies: the inline Policy's text and the PolicyArns, compiled on use. */
  policy?: string;
  policyArns?: string[];
  sourceIdentity?: string;
  /** Role chaining: the session was obtained with role-session credentials. */
  chained?: boolean;
  /** AssumeRoleWithWebIdentity / AssumeRoleWithSAML: the IAM OIDC or SAML provider's ARN. */
  federatedProvider?: string;
  /** A workload's session (`iamd exec`): valid only while that workload is, and its instance profile holds the role. */
  workloadId?: string;
  secret: string;
}

const AAD_PREFIX = 'sts-session:';

export function sealSession(secrets: SecretBox, accessKeyId: string, claims: SessionClaims): string {
  return Buffer.from(secrets.seal(JSON.stringify(claims), AAD_PREFIX + accessKeyId), 'utf8').toString('base64url');
}

/** The claims of a token issued for this key id, or undefined when it is not one (altered, foreign, garbage). */
export function openSession(secrets: SecretBox, accessKeyId: string, token: string): SessionClaims | undefined {
  if (token.length === 0 || token.length > 16_384 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const decoded = Buffer.from(token, 'base64url');
    if (decoded.toString('base64url') !== token) return undefined; // one spelling per token
    const claims = JSON.parse(secrets.open(decoded.toString('utf8'), AAD_PREFIX + accessKeyId)) as SessionClaims;
    return claims && claims.v === 1 && typeof claims.secret === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}

// Access key ids carry their account the way AWS's do (since 2019): the 16 characters after the
// prefix are Base32 (RFC 4648) of 10 bytes whose first 6, read big-endian, hold the account id in
// bits 7–46. GetAccessKeyInfo reads it back from any such key.
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

function unbase32(text: string): Buffer | undefined {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text) {
    const i = BASE32.indexOf(c);
    if (i < 0) return undefined;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/** A 20-character key id with the account id encoded in it: `ASIA…` for temporary credentials. */
export function newKeyIdForAccount(prefix: 'ASIA' | 'AKIA', accountId: string): string {
  const bytes = randomBytes(10);
  const account = BigInt(accountId);
  let z = BigInt('0x' + bytes.subarray(0, 6).toString('hex'));
  z = (z & ~0x7fffffffff80n) | ((account << 7n) & 0x7fffffffff80n);
  Buffer.from(z.toString(16).padStart(12, '0'), 'hex').copy(bytes, 0);
  return prefix + base32(bytes);
}

/** The account id an AWS-format access key id encodes (meaningful for ids minted that way). */
export function accountOfKeyId(accessKeyId: string): string | undefined {
  if (!/^[A-Z]{4}[A-Z2-7]{16}$/.test(accessKeyId)) return undefined;
  const bytes = unbase32(accessKeyId.slice(4));
  if (!bytes || bytes.length < 6) return undefined;
  const z = BigInt('0x' + bytes.subarray(0, 6).toString('hex'));
  return ((z & 0x7fffffffff80n) >> 7n).toString().padStart(12, '0');
}

// ---- shared by the STS actions that issue credentials
/** AWS's quotas for session policies: 10 managed policy ARNs; 2,048 characters of plain text. */
export const MAX_SESSION_POLICY_ARNS = 10;
export const SESSION_POLICY_PLAINTEXT_LIMIT = 2048;

export interface IssuedCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

/** Mints an ASIA key id and secret and seals the session into its token. */
export function issueCredentials(secrets: SecretBox, accountId: string, claims: Omit<SessionClaims, 'v' | 'secret' | 'accountId'>): IssuedCredentials {
  const accessKeyId = newKeyIdForAccount('ASIA', accountId);
  const secret = newSecretAccessKey();
  const token = sealSession(secrets, accessKeyId, { v: 1, ...claims, accountId, secret });
  return { AccessKeyId: accessKeyId, SecretAccessKey: secret, SessionToken: token, Expiration: new Date(claims.expiresAt) };
}

/**
 * Checks the session policies of AssumeRole / GetFederationToken: the inline Policy as an identity
 * policy, and PolicyArns naming managed policies that exist. Returns the ARNs.
 */
export async function checkSessionPolicies(
  repo: Repo,
  ctx: ActionContext,
  policy: string | undefined,
  descriptors: { arn?: string }[] | undefined,
  /** The account the session belongs to (a federated caller has none of its own: the role's). */
  accountId: string = ctx.caller.accountId,
): Promise<string[]> {
  if (policy !== undefined) {
    const parsed = parsePolicy(policy, 'identity', { partition: ctx.caller.partition });
    if (!parsed.document) throw awsError('malformedPolicyDocument', { detail: firstErrorMessage(parsed.findings) ?? messageText('policySyntaxErrors') });
  }
  const arns = (descriptors ?? []).map((d) => d.arn).filter((a): a is string => a !== undefined);
  if (arns.length > MAX_SESSION_POLICY_ARNS) {
    throw awsError('sessionPolicyArnsTooMany', { limit: MAX_SESSION_POLICY_ARNS });
  }
  for (const arn of arns) {
    const parsed = parsePolicyArn(arn);
    if (!parsed) throw awsError('sessionPolicyArnInvalid', { arn });
    if (parsed.account !== 'aws' && parsed.account !== accountId) throw awsError('sessionPolicyArnInvalid', { arn });
    const found = parsed.account === 'aws' || (await repo.getEntityByName(accountId, 'policy', parsed.name));
    if (!found) throw awsError('sessionPolicyArnInvalid', { arn });
  }
  return arns;
}

/**
 * PackedPolicySize: how much of the packed space the session policies and tags take, in percent.
 * iamd counts the inline policy without whitespace, the ARNs and the tags against 2,048 characters.
 */
export function packedPolicySize(policy: string | undefined, arns: string[], tags: Record<string, string>): number | undefined {
  if (policy === undefined && arns.length === 0 && Object.keys(tags).length === 0) return undefined;
  let size = policy !== undefined ? policySizeWithoutWhitespace(policy) : 0;
  for (const a of arns) size += a.length;
  for (const [k, v] of Object.entries(tags)) size += k.length + v.length;
  const percent = Math.ceil((size * 100) / SESSION_POLICY_PLAINTEXT_LIMIT);
  if (percent > 100) throw awsError('packedPolicyTooLarge', { percent });
  return percent;
}

/**
 * SerialNumber + TokenCode of GetSessionToken / AssumeRole: the device must be enabled for the
 * caller (an IAM user, or root) and the code valid and not used before. Call inside Store.write.
 */
export async function checkMfa(repo: Repo, ctx: ActionContext, serial: string | undefined, code: string | undefined): Promise<boolean> {
  if (serial === undefined && code === undefined) return false;
  if (serial === undefined || code === undefined) throw awsError('mfaDeviceUnknown');
  const owner = ctx.caller.type === 'Root' ? null : ctx.caller.type === 'User' ? (ctx.caller.entityId ?? '') : undefined;
  if (owner === undefined) throw awsError('mfaDeviceUnknown');
  const device = await repo.getEntityById<{ userId?: string | null; enableDate?: string }>(serial);
  if (device?.kind !== 'mfa' || device.accountId !== ctx.caller.accountId || device.data.enableDate === undefined || device.data.userId !== owner) {
    throw awsError('mfaDeviceUnknown');
  }
  if (!(await acceptMfaCode(repo, ctx.caller.accountId, serial, owner, code, ctx.request.now, ctx.services.secrets))) throw awsError('mfaCodeInvalid');
  return true;
}

/** RoleLastUsed is kept to the minute (AWS's own takes up to four hours to show): most sessions write nothing. */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Records a role's use, unless it was recorded in the same region within the last minute. A write
 * ends every cache's generation, so issuing a session is a read and only this rare write is one.
 * Call after the session's own transaction (it opens a write, reading the role afresh inside it).
 */
export async function noteRoleUse(
  store: Transactions,
  role: { id: string; data: { lastUsed?: { date: string; region?: string } } },
  now: Date,
  region: string,
): Promise<void> {
  const recent = (last: { date: string; region?: string } | undefined) =>
    last !== undefined && last.region === region && Math.abs(now.getTime() - Date.parse(last.date)) < LAST_USED_GRANULARITY_MS;
  if (recent(role.data.lastUsed)) return;
  await store.write(async (repo) => {
    const fresh = await repo.getEntityById<{ lastUsed?: { date: string; region?: string } }>(role.id);
    if (fresh?.kind !== 'role' || recent(fresh.data.lastUsed)) return;
    await repo.updateEntity(fresh.id, { data: { ...fresh.data, lastUsed: { date: now.toISOString(), region } } });
  });
}
