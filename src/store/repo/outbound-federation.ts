// The outbound federation aggregate (migration 0009_outbound_federation): each account's token
// issuer (GetWebIdentityToken) and its signing keys, the private halves sealed by the caller.
// Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { OutboundFederationTable, OutboundSigningKeyTable } from '../schema.ts';
import { RepoCore } from './core.ts';

export abstract class OutboundFederationQueries extends RepoCore {
  async getOutboundFederation(accountId: string): Promise<OutboundFederationTable | undefined> {
    return this.first('outboundFederation', (a) => this.db.selectFrom('outbound_federation').selectAll().where('account_id', '=', a(0)), [accountId]);
  }
  /** The account whose issuer has this id (the path segment of its URLs). */
  async getOutboundFederationByIssuer(issuerId: string): Promise<OutboundFederationTable | undefined> {
    return this.first('outboundFederationByIssuer', (a) => this.db.selectFrom('outbound_federation').selectAll().where('issuer_id', '=', a(0)), [issuerId]);
  }
  async insertOutboundFederation(row: OutboundFederationTable): Promise<void> {
    await this.insert('outbound_federation', row);
  }
  /** Turns token vending on or off; returns whether the account has an issuer at all. */
  async setOutboundFederationEnabled(accountId: string, enabled: boolean, at: Date): Promise<boolean> {
    const when = at.toISOString();
    const changed = await this.change(
      'setOutboundFederationEnabled',
      (a) =>
        this.db
          .updateTable('outbound_federation')
          .set({ enabled: a(1) as never, updated_at: a(2), disabled_at: a(3) })
          .where('account_id', '=', a(0)),
      [accountId, enabled ? 1 : 0, when, enabled ? null : when],
    );
    return changed > 0;
  }

  /** An account's signing keys (pending, signing and superseded), oldest first. */
  async listOutboundSigningKeys(accountId: string): Promise<OutboundSigningKeyTable[]> {
    return this.select(
      'outboundSigningKeys',
      (a) => this.db.selectFrom('outbound_signing_keys').selectAll().where('account_id', '=', a(0)).orderBy('created_at').orderBy('kid'),
      [accountId],
    );
  }
  async insertOutboundSigningKey(row: OutboundSigningKeyTable): Promise<void> {
    await this.insert('outbound_signing_keys', row);
  }
  /** Deletes one of an account's signing keys (one no token still valid was signed with). */
  async deleteOutboundSigningKey(accountId: string, kid: string): Promise<boolean> {
    const deleted = await this.change(
      'deleteOutboundSigningKey',
      (a) => this.db.deleteFrom('outbound_signing_keys').where('account_id', '=', a(0)).where('kid', '=', a(1)),
      [accountId, kid],
    );
    return deleted > 0;
  }
}
