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
import type { IamdHandlers } from '../actions/registry.ts';
import { messageText } from '../errors/messages.ts';
import { answerFor, notAuthentic, principalOf, verifyEmbedded } from './authorize.ts';
import { loadServiceCatalogue } from './catalogue.ts';
import { matchRoute } from './catalogue-routes.ts';

export const gatewayCheckHandlers = {
  async CheckGatewayRequest(ctx, input) {
    const service = input.ServiceName;
    const verified = await verifyEmbedded(ctx, input.Request, { required: service });
    if (verified.error) return notAuthentic(verified.error);
    const who = verified.authenticated;
    const { partition, accountId } = ctx.caller;
    const catalogue = await loadServiceCatalogue(ctx.services.store, accountId, service);
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
