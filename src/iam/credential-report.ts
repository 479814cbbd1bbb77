// The credential report: one CSV line per user of the account, the root user first, in AWS's
// columns and with AWS's placeholders (N/A: the credential does not exist; not_supported: the root
// user has no such thing; no_information: a password that was never used).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
import { iamArn, rootArn } from '../domain/arn.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import type { AccessKeyTable } from '../store/schema.ts';
import type { UserData } from './common.ts';
import { rootMfaEnabled } from './mfa.ts';
import { ROOT_OWNER, SIGNING_CERTIFICATE_KIND } from './signing-certificates.ts';

export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** AWS generates a new report at most once in this span; an older one has expired. */
export const CREDENTIAL_REPORT_TTL_MS = 4 * 60 * 60 * 1000;

const NA = 'N/A';

/** AWS's report times: ISO 8601 to the second, with `+00:00` for UTC (`2014-10-22T17:36:14+00:00`). */
export function reportTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}+00:00`;
}

const bool = (b: boolean) => (b ? 'true' : 'false');

/** One CSV field: RFC 4180 quoting when it holds a comma, quote or line break (a user name may hold a comma). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The four access-key columns of one key slot (the first two keys, oldest first, as AWS numbers them). */
function keyColumns(key: AccessKeyTable | undefined): string[] {
  if (!key) return ['false', NA, NA, NA, NA];
  const used = key.last_used_at !== null;
  return [
    bool(key.status === 'Active'),
    reportTime(new Date(key.created_at)),
    used ? reportTime(new Date(key.last_used_at!)) : NA,
    used ? (key.last_used_region ?? NA) : NA,
    used ? (key.last_used_service ?? NA) : NA,
  ];
}

/** A signing certificate as the report needs it. */
export interface ReportCertificate {
  active: boolean;
  uploadedAt: Date;
}

function certColumns(cert: ReportCertificate | undefined): string[] {
  return cert ? [bool(cert.active), reportTime(cert.uploadedAt)] : ['false', NA];
}

/**
 * The account's signing certificates by owner (a user's id, or ROOT_OWNER), oldest first. They are
 * entities of kind 'signing-certificate' filed under the path `/OWNER/` (src/iam/signing-certificates.ts).
 */
async function signingCertificates(repo: Repo, accountId: string): Promise<Map<string, ReportCertificate[]>> {
  const byOwner = new Map<string, ReportCertificate[]>();
  let marker: string | undefined;
  do {
    const page = await repo.listEntities<{ status?: string }>(accountId, SIGNING_CERTIFICATE_KIND, { marker, maxItems: 1000 });
    for (const c of page.items) {
      const owner = c.path.slice(1, -1);
      const list = byOwner.get(owner) ?? [];
      list.push({ active: c.data.status === 'Active', uploadedAt: c.createdAt });
      byOwner.set(owner, list);
    }
    marker = page.marker;
  } while (marker !== undefined);
  for (const list of byOwner.values()) list.sort((a, b) => a.uploadedAt.getTime() - b.uploadedAt.getTime());
  return byOwner;
}

async function allUsers(repo: Repo, accountId: string): Promise<EntityRow<UserData>[]> {
  const users: EntityRow<UserData>[] = [];
  let marker: string | undefined;
  do {
    const page = await repo.listEntities<UserData>(accountId, 'user', { marker, maxItems: 1000 });
    users.push(...page.items);
    marker = page.marker;
  } while (marker !== undefined);
  return users;
}

/** The report's CSV for the account as it is now (AWS's line breaks: `\n`, none after the last line). */
export async function buildCredentialReport(repo: Repo, partition: string, accountId: string): Promise<string> {
  const account = await repo.getAccount(accountId);
  const policy = (await repo.getPasswordPolicy(accountId)) as { MaxPasswordAge?: number } | undefined;
  const maxAgeDays = policy?.MaxPasswordAge ?? 0;
  const users = await allUsers(repo, accountId);
  const certs = await signingCertificates(repo, accountId);

  const lines = [CREDENTIAL_REPORT_COLUMNS.join(',')];
  // The root user: no login profile, password policy or rotation of its own.
  const rootKeys = await repo.listAccessKeys(accountId, null);
  const rootUsed = await repo.rootPasswordLastUsed(accountId);
  const rootCerts = certs.get(ROOT_OWNER) ?? [];
  lines.push(
    [
      '<root_account>',
      rootArn(partition, accountId),
      reportTime(account ? new Date(account.created_at) : new Date(0)),
      'not_supported',
      rootUsed ? reportTime(rootUsed) : 'no_information',
      'not_supported',
      'not_supported',
      bool(await rootMfaEnabled(repo, accountId)),
      ...keyColumns(rootKeys[0]),
      ...keyColumns(rootKeys[1]),
      ...certColumns(rootCerts[0]),
      ...certColumns(rootCerts[1]),
    ].join(','),
  );

  for (const user of users) {
    const profile = await repo.getLoginProfile(user.id);
    const changedAt = profile ? ((await repo.passwordChangedAt(user.id)) ?? new Date(profile.created_at)) : undefined;
    const lastUsed = user.data.passwordLastUsed;
    const keys = await repo.listAccessKeys(accountId, user.id);
    const userCerts = certs.get(user.id) ?? [];
    const row = [
      user.name,
      iamArn(partition, accountId, 'user', user.path, user.name),
      reportTime(user.createdAt),
      bool(profile !== undefined),
      // A password used before it was deleted keeps its date, as GetUser's PasswordLastUsed does.
      lastUsed ? reportTime(new Date(lastUsed)) : profile ? 'no_information' : NA,
      changedAt ? reportTime(changedAt) : NA,
      changedAt && maxAgeDays > 0 ? reportTime(new Date(changedAt.getTime() + maxAgeDays * 86_400_000)) : NA,
      bool((user.data.mfaSerials ?? []).length > 0),
      ...keyColumns(keys[0]),
      ...keyColumns(keys[1]),
      ...certColumns(userCerts[0]),
      ...certColumns(userCerts[1]),
    ];
    lines.push(row.map(csvField).join(','));
  }
  return lines.join('\n');
}
