// CheckGatewayRequest: a gateway (nginx auth_request, Caddy forward_auth, Envoy ext_authz) asks
// whether the client request it holds may pass. The caller is the gateway (its token authenticated
// it: ./gateways.ts), allowed `iamd:Authorize` on its own service only; the request is the client's,
// rebuilt by the gateway endpoint from the proxy's headers (src/api/protect/gateway-request.ts).
//
// The decision is Authorize's own (./authorize.ts): the caller's permission and the client's
// signature (verifyEmbedded, for exactly the gateway's service), then the decision with the
// client's policies and the resource policy stored in iamd (answerFor). In between, the service
// catalogue's routes map the method and path to the action and the resource ARN (matchRoute, with
// the region of the client's credential scope): a request no route takes is denied, after it was
// authenticated (an unauthenticated client learns nothing of the routes).
import type { ActionContext } from '../actions/context.ts';
import type { IamdHandlers } from '../actions/registry.ts';
import type { Authorizer } from '../authz/authorizer.ts';
import { messageText } from '../errors/messages.ts';
import { answerFor, notAuthentic, principalOf, verifyEmbedded } from './authorize.ts';
import { loadServiceCatalogue } from './catalogue.ts';
import type { ServiceCatalogue } from './catalogue-format.ts';
import { matchRoute } from './catalogue-routes.ts';

// The catalogue of each service a gateway checks for, kept until the store's next committed write
// (as the authorizer's caches are): reading its row from the store was a twentieth of a check.
const catalogues = new WeakMap<Authorizer, { generation: number; byService: Map<string, ServiceCatalogue | undefined> }>();
const MAX_CATALOGUES = 1000;

async function catalogueOf(ctx: ActionContext, accountId: string, service: string): Promise<ServiceCatalogue | undefined> {
  const { authorizer, store } = ctx.services;
  const generation = authorizer.generation;
  let kept = catalogues.get(authorizer);
  if (kept === undefined || kept.generation !== generation) {
    kept = { generation, byService: new Map() };
    catalogues.set(authorizer, kept);
  }
  const key = `${accountId}|${service}`;
  if (kept.byService.has(key) && !store.inWriteTransaction()) return kept.byService.get(key);
  const catalogue = await loadServiceCatalogue(store, accountId, service);
  // Only what was read at the current generation, outside a transaction that may have written.
  if (authorizer.generation === generation && !store.inWriteTransaction()) {
    if (kept.byService.size >= MAX_CATALOGUES) kept.byService.clear();
    kept.byService.set(key, catalogue);
  }
  return catalogue;
}

export const gatewayCheckHandlers = {
  async CheckGatewayRequest(ctx, input) {
    const service = input.ServiceName;
    const verified = await verifyEmbedded(ctx, input.Request, { required: service });
    if (verified.error) return notAuthentic(verified.error);
    const who = verified.authenticated;
    const { partition, accountId } = ctx.caller;
    const catalogue = await catalogueOf(ctx, accountId, service);
    const route = catalogue && matchRoute(catalogue, input.Request.Method, input.Request.Path, { partition, account: accountId, region: who.facts.region });
    if (!route) {
      return {
        Decision: 'Deny',
        Authenticated: true,
        Reason: messageText('gatewayNoRoute', { service, method: input.Request.Method, path: input.Request.Path }),
        Principal: await principalOf(ctx, who.caller),
        MatchedStatements: [],
        CacheTtlSeconds: 0,
      };
    }
    const answer = await answerFor(ctx, who, { action: route.action, resource: route.resource, context: undefined, resourcePolicy: undefined });
    return { ...answer, Action: route.action, Resource: route.resource };
  },
} satisfies IamdHandlers;
