// The gateways aggregate (migration 0008_gateways): proxies of protected services (nginx
// auth_request, Caddy forward_auth, Envoy ext_authz) that authenticate to iamd with a token kept
// only as its SHA-256 hash. Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { GatewayTable } from '../schema.ts';
import { RepoCore } from './core.ts';

export abstract class GatewayQueries extends RepoCore {
  async insertGateway(row: GatewayTable): Promise<void> {
    await this.insert('gateways', row);
  }
  async getGateway(id: string): Promise<GatewayTable | undefined> {
    return this.first('gateway', (a) => this.db.selectFrom('gateways').selectAll().where('id', '=', a(0)), [id]);
  }
  /** The gateway a token's hash names (revoked ones included: the caller decides). */
  async getGatewayByTokenHash(tokenHash: string): Promise<GatewayTable | undefined> {
    return this.first('gatewayByToken', (a) => this.db.selectFrom('gateways').selectAll().where('token_hash', '=', a(0)), [tokenHash]);
  }
  /** An account's gateways, of one service or of all, oldest first. */
  async listGateways(accountId: string, serviceName?: string): Promise<GatewayTable[]> {
    return this.select(
      `gateways ${serviceName !== undefined}`,
      (a) => {
        let q = this.db.selectFrom('gateways').selectAll().where('account_id', '=', a(0));
        if (serviceName !== undefined) q = q.where('service_name', '=', a(1));
        return q.orderBy('created_at').orderBy('id');
      },
      [accountId, serviceName],
    );
  }
  /** Marks a gateway revoked (once: a second revocation keeps the first time). */
  async revokeGateway(id: string, at: Date): Promise<void> {
    await this.change(
      'revokeGateway',
      (a) =>
        this.db
          .updateTable('gateways')
          .set({ revoked_at: a(1) })
          .where('id', '=', a(0))
          .where('revoked_at', 'is', null),
      [id, at.toISOString()],
    );
  }
}
