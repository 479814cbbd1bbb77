// The passkeys aggregate (migration 0015_passkeys): FIDO2 security keys and passkeys enabled as
// MFA devices, and the WebAuthn challenges of ceremonies in progress. Methods only (see core.ts):
// copied onto Repo.prototype by ../repo.ts.
import type { PasskeyChallengeTable, PasskeyTable } from '../schema.ts';
import { RepoCore } from './core.ts';

/** PostgreSQL answers bigint columns as text: the counter is a number everywhere above the store. */
function row(r: PasskeyTable | undefined): PasskeyTable | undefined {
  return r ? { ...r, counter: Number(r.counter) } : undefined;
}

export abstract class PasskeyQueries extends RepoCore {
  // ---- passkeys (FIDO2 MFA devices)
  async insertPasskey(r: PasskeyTable): Promise<void> {
    await this.insert('passkeys', r);
  }
  async getPasskey(serial: string): Promise<PasskeyTable | undefined> {
    return row(await this.first('passkey', (a) => this.db.selectFrom('passkeys').selectAll().where('serial', '=', a(0)), [serial]));
  }
  async getPasskeyByCredentialId(credentialId: string): Promise<PasskeyTable | undefined> {
    return row(await this.first('passkeyByCredential', (a) => this.db.selectFrom('passkeys').selectAll().where('credential_id', '=', a(0)), [credentialId]));
  }
  /** The passkeys of an IAM user (userId) or of the root user (null), oldest first. */
  async listPasskeys(accountId: string, userId: string | null): Promise<PasskeyTable[]> {
    const rows = await this.select<PasskeyTable>(
      `passkeys ${userId === null}`,
      (a) => {
        const q = this.db.selectFrom('passkeys').selectAll().where('account_id', '=', a(0));
        return (userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', a(1))).orderBy('created_at').orderBy('serial');
      },
      [accountId, userId],
    );
    return rows.map((r) => row(r)!);
  }
  async countAccountPasskeys(accountId: string): Promise<number> {
    return (await this.select('accountPasskeys', (a) => this.db.selectFrom('passkeys').select('serial').where('account_id', '=', a(0)), [accountId])).length;
  }
  async setPasskeyCounter(serial: string, counter: number, usedAt: Date): Promise<void> {
    await this.change(
      'setPasskeyCounter',
      (a) =>
        this.db
          .updateTable('passkeys')
          .set({ counter: a(1) as never, last_used_at: a(2) })
          .where('serial', '=', a(0)),
      [serial, counter, usedAt.toISOString()],
    );
  }
  async deletePasskey(serial: string): Promise<void> {
    await this.change('deletePasskey', (a) => this.db.deleteFrom('passkeys').where('serial', '=', a(0)), [serial]);
  }
  async deleteUserPasskeys(userId: string): Promise<void> {
    await this.change('deleteUserPasskeys', (a) => this.db.deleteFrom('passkeys').where('user_id', '=', a(0)), [userId]);
  }

  // ---- WebAuthn challenges: one per console session and purpose, replaced by a newer one
  async putPasskeyChallenge(r: PasskeyChallengeTable): Promise<void> {
    await this.change('deletePasskeyChallenge', (a) => this.db.deleteFrom('passkey_challenges').where('session_hash', '=', a(0)).where('purpose', '=', a(1)), [
      r.session_hash,
      r.purpose,
    ]);
    await this.change('deleteExpiredPasskeyChallenges', (a) => this.db.deleteFrom('passkey_challenges').where('expires_at', '<', a(0)), [
      new Date().toISOString(),
    ]);
    await this.insert('passkey_challenges', r);
  }
  /** The challenge of a session for a purpose, removed as it is read: a challenge is used once. */
  async takePasskeyChallenge(sessionHash: string, purpose: string): Promise<PasskeyChallengeTable | undefined> {
    const found = await this.first<PasskeyChallengeTable>(
      'passkeyChallenge',
      (a) => this.db.selectFrom('passkey_challenges').selectAll().where('session_hash', '=', a(0)).where('purpose', '=', a(1)),
      [sessionHash, purpose],
    );
    if (found) {
      await this.change(
        'deletePasskeyChallenge',
        (a) => this.db.deleteFrom('passkey_challenges').where('session_hash', '=', a(0)).where('purpose', '=', a(1)),
        [sessionHash, purpose],
      );
    }
    return found;
  }
}
