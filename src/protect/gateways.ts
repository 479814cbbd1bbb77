// Gateways (models/iamd.json: RegisterGateway, ListGateways, RevokeGateway): proxies in front of a
// protected service that cannot sign requests themselves (nginx auth_request, Caddy forward_auth,
// Envoy ext_authz). A gateway authenticates to iamd with a token, shown once when it is registered
// and stored only as its SHA-256 hash; with it, the gateway may ask iamd about its service's
// requests (CheckGatewayRequest, ./gateway-check.ts) and nothing else.
//
// Registering, listing and revoking are authorized as `iamd:Authorize` on
// `arn:PARTITION:iamd::ACCOUNT:service/NAME` (listing every service's: `service/*`): the right a
// protected service needs to ask iamd about its requests. Registering a gateway delegates exactly
// that right to it: the gateway's only identity policy allows `iamd:Authorize` on its service's ARN
// (its Caller, `gatewayCaller`), whatever else the principal that registered it may do, and it
// keeps it until the gateway is revoked.
import { createHash, randomBytes } from 'node:crypto';
import type { Caller } from '../actions/context.ts';
import type { Gateway } from '../actions/generated/iamd.ts';
import type { IamdHandlers } from '../actions/registry.ts';
import { awsError } from '../errors/messages.ts';
import { compilePolicy, parsePolicy, type CompiledPolicy } from '../policy/index.ts';
import type { GatewayTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { protectedServiceArn } from './authorize.ts';

/** Every gateway token starts so (a token that does not is refused before any lookup). */
export const GATEWAY_TOKEN_PREFIX = 'iamdg_';
/** Active gateways one service may have. */
export const MAX_GATEWAYS_PER_SERVICE = 100;
const MAX_TOKEN_LENGTH = 200;

export function hashGatewayToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function gatewayArn(partition: string, accountId: string, gatewayId: string): string {
  return `arn:${partition}:iamd::${accountId}:gateway/${gatewayId}`;
}

function view(partition: string, row: GatewayTable): Gateway {
  const gateway: Gateway = {
    GatewayId: row.id,
    Name: row.name,
    ServiceName: row.service_name,
    Arn: gatewayArn(partition, row.account_id, row.id),
    CreatedBy: row.created_by,
    CreateDate: row.created_at,
    Status: row.revoked_at ? 'Revoked' : 'Active',
  };
  if (row.revoked_at) gateway.RevokeDate = row.revoked_at;
  return gateway;
}

/** The one right a gateway holds: `iamd:Authorize` on its service. */
function delegatedPolicy(partition: string, row: GatewayTable): CompiledPolicy {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Gateway', Effect: 'Allow', Action: 'iamd:Authorize', Resource: protectedServiceArn(partition, row.account_id, row.service_name) }],
  });
  const parsed = parsePolicy(text, 'identity', { partition });
  if (!parsed.document) throw new Error(`the policy of gateway ${row.id} does not parse`);
  return compilePolicy(parsed.document, { type: 'identity', name: `gateway/${row.id}` });
}

/** The caller a gateway's token authenticates. */
export function gatewayCaller(partition: string, row: GatewayTable): Caller {
  return Object.freeze({
    type: 'Gateway',
    accountId: row.account_id,
    partition,
    arn: gatewayArn(partition, row.account_id, row.id),
    userId: row.id,
    gatewayPolicy: delegatedPolicy(partition, row),
  } satisfies Caller);
}

/** An active gateway, as a valid token authenticates it. */
export interface AuthenticatedGateway {
  gatewayId: string;
  serviceName: string;
  caller: Caller;
}

/**
 * Tokens → active gateways: the token's SHA-256 is looked up (so no comparison of secrets can leak
 * how much of a guess was right), and the answer kept until the store's next committed write (on
 * PostgreSQL, any node's), so a revocation takes effect on the very next check.
 */
export class GatewayTokens {
  private generation = -1;
  private readonly byHash = new Map<string, AuthenticatedGateway | null>();
  private static readonly MAX_ENTRIES = 10_000;

  constructor(
    private readonly store: Store,
    private readonly partition: string,
  ) {}

  /** The active gateway a token belongs to; undefined for a missing, malformed, unknown or revoked one. */
  async authenticate(token: string | undefined): Promise<AuthenticatedGateway | undefined> {
    if (token === undefined || !token.startsWith(GATEWAY_TOKEN_PREFIX) || token.length > MAX_TOKEN_LENGTH) return undefined;
    const hash = hashGatewayToken(token);
    if (this.generation !== this.store.generation) {
      this.byHash.clear();
      this.generation = this.store.generation;
    }
    let hit = this.byHash.get(hash);
    if (hit === undefined) {
      const generation = this.store.generation;
      const row = await this.store.read((repo) => repo.getGatewayByTokenHash(hash));
      hit = row && !row.revoked_at ? { gatewayId: row.id, serviceName: row.service_name, caller: gatewayCaller(this.partition, row) } : null;
      if (generation === this.store.generation) {
        if (this.byHash.size >= GatewayTokens.MAX_ENTRIES) this.byHash.clear();
        this.byHash.set(hash, hit);
      }
    }
    return hit ?? undefined;
  }
}

export const gatewayHandlers = {
  async RegisterGateway(ctx, input) {
    const { partition, accountId } = ctx.caller;
    await ctx.authorize('iamd:Authorize', protectedServiceArn(partition, accountId, input.ServiceName));
    // A gateway's right is delegated once, by a principal that signs: never passed on by a gateway.
    if (ctx.caller.type === 'Gateway') throw awsError('accessDenied');
    return ctx.services.store.write(async (repo) => {
      if (!(await repo.getServiceCatalogue(accountId, input.ServiceName))) throw awsError('serviceCatalogNotFound', { name: input.ServiceName });
      const active = (await repo.listGateways(accountId, input.ServiceName)).filter((g) => g.revoked_at === null);
      if (active.some((g) => g.name === input.Name)) throw awsError('gatewayExists', { name: input.Name, service: input.ServiceName });
      if (active.length >= MAX_GATEWAYS_PER_SERVICE) throw awsError('quotaExceeded', { quota: 'GatewaysPerService', limit: MAX_GATEWAYS_PER_SERVICE });
      const token = GATEWAY_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const row: GatewayTable = {
        id: `gw-${randomBytes(8).toString('hex')}`,
        account_id: accountId,
        service_name: input.ServiceName,
        name: input.Name,
        token_hash: hashGatewayToken(token),
        created_by: ctx.caller.arn,
        created_at: ctx.request.now.toISOString(),
        revoked_at: null,
      };
      await repo.insertGateway(row);
      return { Gateway: view(partition, row), Token: token };
    });
  },

  async ListGateways(ctx, input) {
    const { partition, accountId } = ctx.caller;
    await ctx.authorize('iamd:Authorize', protectedServiceArn(partition, accountId, input.ServiceName ?? '*'));
    const rows = await ctx.services.store.read((repo) => repo.listGateways(accountId, input.ServiceName));
    return { Gateways: rows.map((row) => view(partition, row)) };
  },

  async RevokeGateway(ctx, input) {
    const { partition, accountId } = ctx.caller;
    return ctx.services.store.write(async (repo) => {
      const row = await repo.getGateway(input.GatewayId);
      const mine = row !== undefined && row.account_id === accountId ? row : undefined;
      await ctx.authorize('iamd:Authorize', protectedServiceArn(partition, accountId, mine?.service_name ?? '*'));
      if (!mine) throw awsError('gatewayNotFound', { gatewayId: input.GatewayId });
      const now = ctx.request.now;
      await repo.revokeGateway(mine.id, now);
      return { Gateway: view(partition, { ...mine, revoked_at: mine.revoked_at ?? now.toISOString() }) };
    });
  },
} satisfies IamdHandlers;
