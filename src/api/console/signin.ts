// Console sign-in: root (email + password) or IAM user (account, user name, password), then an
// MFA code when the principal has a device. One generic failure for every wrong combination;
// failures slow down and then lock further attempts for that account and name (exponentially,
// capped at 15 minutes), whether or not the name exists: unknown names are verified against a
// dummy hash so that they take as long as known ones. Each attempt is counted as a failure before
// its password is checked, so parallel attempts get no more checks than sequential ones.
import { randomBytes } from 'node:crypto';
import type { Services } from '../../actions/context.ts';
import { hashPassword, verifyPassword } from '../../crypto/passwords.ts';
import { acceptMfaCode } from '../../iam/mfa.ts';
import type { Repo } from '../../store/repo.ts';
import { sha256, type ConsoleSigninFailureTable } from './data.ts';

/** Failures allowed before any delay. */
export const FREE_FAILURES = 2;
/** The lock after the n-th failure (n > FREE_FAILURES): 1 s × 4^(n-3), at most 15 minutes. */
export const MAX_LOCK_MS = 15 * 60 * 1000;
export function lockDurationMs(failures: number): number {
  if (failures <= FREE_FAILURES) return 0;
  return Math.min(MAX_LOCK_MS, 1000 * 4 ** (failures - FREE_FAILURES - 1));
}

let dummyHash: Promise<string> | undefined;
function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export interface SignInRequest {
  /** The account id or alias as typed or taken from the URL. */
  account: string;
  kind: 'root' | 'user';
  /** Root: the email address; IAM user: the user name. */
  name: string;
  password: string;
}

export interface SignedIn {
  accountId: string;
  userId: string | null;
  mfaSerials: string[];
  resetRequired: boolean;
  passwordFp: string;
}

export type SignInResult = { ok: true; principal: SignedIn } | { ok: false; reason: 'invalid' | 'locked'; retryAfterMs?: number };

export function passwordFingerprint(hash: string): string {
  return sha256(`iamd-console:${hash}`).slice(0, 32);
}

export async function resolveAccount(
  repo: Repo,
  ref: string,
): Promise<{ id: string; alias: string | null; root_email: string | null; root_password_hash: string | null } | undefined> {
  const trimmed = ref.trim();
  if (/^\d{12}$/.test(trimmed)) return repo.getAccount(trimmed);
  if (trimmed === '') return undefined;
  return repo.getAccountByAlias(trimmed.toLowerCase());
}

/** Serial numbers of the MFA devices enabled for root (userId null) or an IAM user. */
export async function mfaSerialsOf(repo: Repo, accountId: string, userId: string | null): Promise<string[]> {
  if (userId !== null) {
    const user = await repo.getEntityById<{ mfaSerials?: string[] }>(userId);
    return user?.data.mfaSerials ?? [];
  }
  // The root user's passkeys and security keys (an IAM user's are in mfaSerials).
  const out: string[] = (await repo.listPasskeys(accountId, null)).map((p) => p.serial);
  let marker: string | undefined;
  do {
    const page = await repo.listEntities<{ userId?: string | null; enableDate?: string }>(accountId, 'mfa', {
      marker,
      maxItems: 1000,
      filter: (d) => d.data.enableDate !== undefined && d.data.userId === null,
    });
    out.push(...page.items.map((d) => d.id));
    marker = page.marker;
  } while (marker !== undefined);
  return out;
}

type AccountRow = NonNullable<Awaited<ReturnType<typeof resolveAccount>>>;
type Principal = { accountId: string; userId: string | null; hash: string; resetRequired: boolean; hardExpired?: boolean };

/** The root user or IAM user a sign-in names, with its password hash; undefined if there is none. */
async function findPrincipal(repo: Repo, account: AccountRow, request: SignInRequest, now: Date): Promise<Principal | undefined> {
  if (request.kind === 'root') {
    if (!account.root_email || !account.root_password_hash) return undefined;
    if (account.root_email.toLowerCase() !== request.name.trim().toLowerCase()) return undefined;
    return { accountId: account.id, userId: null, hash: account.root_password_hash, resetRequired: false };
  }
  const user = await repo.getEntityByName(account.id, 'user', request.name.trim());
  if (!user) return undefined;
  const profile = await repo.getLoginProfile(user.id);
  if (!profile) return undefined;
  // An expired password (the policy's MaxPasswordAge) must be changed at sign-in; with
  // HardExpiry only an administrator can set a new one, so the sign-in fails.
  const policy = (await repo.getPasswordPolicy(account.id)) as { MaxPasswordAge?: number; HardExpiry?: boolean } | undefined;
  const changedAt = await repo.passwordChangedAt(user.id);
  const expired = Boolean(policy?.MaxPasswordAge && changedAt && now.getTime() - changedAt.getTime() > policy.MaxPasswordAge * 86_400_000);
  if (expired && policy?.HardExpiry) return { accountId: account.id, userId: user.id, hash: profile.password_hash, resetRequired: true, hardExpired: true };
  return { accountId: account.id, userId: user.id, hash: profile.password_hash, resetRequired: profile.reset_required === 1 || expired };
}

function lockRemaining(row: ConsoleSigninFailureTable | undefined, now: Date): number {
  if (!row?.locked_until) return 0;
  return Math.max(0, new Date(row.locked_until).getTime() - now.getTime());
}

/**
 * In a write transaction: the remaining lock if there is one, else 0 and the attempt is counted as
 * a failure before its password or code is checked (a success clears it). Counting first is what
 * makes the lock hold under concurrency: SQLite's writes take turns and PostgreSQL's are
 * SERIALIZABLE (retried on conflict), so parallel attempts, on one node or several, are charged
 * one after another and no more are checked than would be one at a time.
 */
async function chargeAttempt(repo: Repo, key: string, now: Date): Promise<number> {
  const row = await repo.getSigninFailures(key);
  const locked = lockRemaining(row, now);
  if (locked > 0) return locked;
  const failures = (row?.failures ?? 0) + 1;
  const lock = lockDurationMs(failures);
  await repo.putSigninFailures({ key, failures, locked_until: lock > 0 ? new Date(now.getTime() + lock).toISOString() : null, updated_at: now.toISOString() });
  return 0;
}

export class SignInService {
  constructor(private readonly services: Services) {}

  /**
   * The counter attempts are charged to. Sign-in passes the resolved account id (so the id and the
   * alias share one; an unknown account counts under what was typed); names compare lower-cased,
   * as IAM user names and email addresses do.
   */
  throttleKey(account: string, kind: string, name: string): string {
    return sha256(`${account.trim().toLowerCase()}|${kind}|${name.trim().toLowerCase()}`);
  }

  async clearFailures(key: string): Promise<void> {
    await this.services.store.write((repo) => repo.clearSigninFailures(key));
  }

  async signIn(request: SignInRequest): Promise<SignInResult> {
    const result = await this.passwordSignIn(request);
    this.services.metrics?.signIn(result.ok ? 'success' : result.reason === 'locked' ? 'locked' : 'failure');
    return result;
  }

  private async passwordSignIn(request: SignInRequest): Promise<SignInResult> {
    const now = this.services.clock();
    const { key, locked, found } = await this.services.store.read(async (repo) => {
      const account = await resolveAccount(repo, request.account);
      const key = this.throttleKey(account?.id ?? request.account, request.kind, request.name);
      // Checked here too, so that a burst against a locked name costs reads, not writes.
      const locked = lockRemaining(await repo.getSigninFailures(key), now);
      return { key, locked, found: account && locked === 0 ? await findPrincipal(repo, account, request, now) : undefined };
    });
    if (locked > 0) return { ok: false, reason: 'locked', retryAfterMs: locked };
    const lockedMeanwhile = await this.services.store.write((repo) => chargeAttempt(repo, key, now));
    if (lockedMeanwhile > 0) return { ok: false, reason: 'locked', retryAfterMs: lockedMeanwhile };
    // Always one argon2 verification, against a dummy hash when there is no such principal.
    const ok = await verifyPassword(found?.hash ?? (await dummy()), request.password);
    // A failure is already counted.
    if (!found || !ok || request.password.length === 0 || found.hardExpired) return { ok: false, reason: 'invalid' };
    await this.clearFailures(key);
    const mfaSerials = await this.services.store.read((repo) => mfaSerialsOf(repo, found.accountId, found.userId));
    if (mfaSerials.length === 0) await this.notePasswordUse(found.accountId, found.userId, now);
    return {
      ok: true,
      principal: {
        accountId: found.accountId,
        userId: found.userId,
        mfaSerials,
        resetRequired: found.resetRequired,
        passwordFp: passwordFingerprint(found.hash),
      },
    };
  }

  /** The MFA step: true when `code` is valid for one of the principal's devices. */
  async verifyMfa(accountId: string, userId: string | null, code: string, throttle: string): Promise<'ok' | 'invalid' | 'locked'> {
    const now = this.services.clock();
    // A read first, so that a burst against a locked session costs no writes.
    if (lockRemaining(await this.services.store.read((repo) => repo.getSigninFailures(throttle)), now) > 0) return 'locked';
    // The attempt is charged and the code checked in one transaction: parallel codes take turns.
    const outcome = await this.services.store.write(async (repo) => {
      if ((await chargeAttempt(repo, throttle, now)) > 0) return 'locked';
      for (const serial of await mfaSerialsOf(repo, accountId, userId)) {
        if (await acceptMfaCode(repo, accountId, serial, userId, code.trim(), now, this.services.secrets)) {
          await repo.clearSigninFailures(throttle);
          return 'ok';
        }
      }
      return 'invalid';
    });
    if (outcome === 'ok') await this.notePasswordUse(accountId, userId, now);
    return outcome;
  }

  /**
   * Another kind of MFA step (a passkey's assertion): charged and throttled like a code, with
   * `check` run in the same write transaction as the charge.
   */
  async attemptMfa(throttle: string, check: (repo: Repo) => Promise<boolean>): Promise<'ok' | 'invalid' | 'locked'> {
    const now = this.services.clock();
    if (lockRemaining(await this.services.store.read((repo) => repo.getSigninFailures(throttle)), now) > 0) return 'locked';
    return this.services.store.write(async (repo) => {
      if ((await chargeAttempt(repo, throttle, now)) > 0) return 'locked';
      if (!(await check(repo))) return 'invalid';
      await repo.clearSigninFailures(throttle);
      return 'ok';
    });
  }

  /** GetUser's PasswordLastUsed; the credential report's password_last_used (the root user's too). */
  async notePasswordUse(accountId: string, userId: string | null, now: Date): Promise<void> {
    await this.services.store.write(async (repo) => {
      if (userId === null) return repo.markRootPasswordUsed(accountId, now);
      const user = await repo.getEntityById<Record<string, unknown>>(userId);
      if (user) await repo.updateEntity(userId, { data: { ...user.data, passwordLastUsed: now.toISOString() } });
    });
  }
}
