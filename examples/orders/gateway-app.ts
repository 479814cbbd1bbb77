// The orders service behind a gateway (nginx auth_request: examples/nginx/orders.conf). iamd decides
// at the gateway, with the routes of orders.catalog.json; this service holds no iamd credentials and
// asks iamd nothing. It only:
//   - takes who signed from the gateway's X-Iamd-* headers, and only from the gateway's address
//     (gatewayPrincipal: a request from anywhere else is refused 403, never served as anyone);
//   - checks the body against the signed x-amz-content-sha256 (bodyIntegrity): the gateway never
//     sees the body, so a body changed after signing is refused here (401).
// Unlike the middleware version (express-app.ts), the decision has no per-order context
// (`orders:Amount`) and no per-order resource policy: a gateway knows only the route. Resource
// policies stored in iamd (`POST /iamd/resource-policies`) still apply.
import express, { type NextFunction, type Request, type Response } from 'express';
import { bodyIntegrity, type GatewayPrincipalOptions, gatewayPrincipal, keepRawBody } from '../../packages/iamd-middleware/src/index.ts';
import { errorBody, newOrderInput, OrderStore } from './orders.ts';

export function createOrdersGatewayApp(store = new OrderStore(), options: GatewayPrincipalOptions = {}): express.Express {
  const app = express();
  // Parse JSON and keep the raw bytes, then: only the gateway may say who signed; the body must be the signed one.
  app.use(express.json({ verify: keepRawBody }));
  app.use(gatewayPrincipal(options));
  app.use(bodyIntegrity());

  const shown = (id: string) => {
    const found = store.get(id);
    if (!found) return undefined;
    const { Policy: _, ...order } = found;
    return order;
  };

  app.get('/orders', (_req, res) => {
    res.json({ Orders: store.list().map(({ Policy: _, ...o }) => o) });
  });

  app.post('/orders', (req, res) => {
    const input = newOrderInput(req.body);
    if (typeof input === 'string') return void res.status(400).json(errorBody('ValidationException', input));
    const created = store.create({ ...input, CreatedBy: req.iamdGateway!.principal.Arn });
    res.status(201).json({ Order: created });
  });

  app.get('/orders/:id', (req, res) => {
    const order = shown(String(req.params.id));
    if (!order) return void res.status(404).json(errorBody('ResourceNotFoundException', `Order ${req.params.id} does not exist.`));
    res.json({ Order: order });
  });

  app.post('/orders/:id/cancel', (req, res) => {
    if (!store.cancel(String(req.params.id)))
      return void res.status(404).json(errorBody('ResourceNotFoundException', `Order ${req.params.id} does not exist.`));
    res.json({ Order: shown(String(req.params.id)) });
  });

  app.use((error: { status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status ?? 500;
    res.status(status).json(errorBody(status < 500 ? 'ValidationException' : 'InternalFailure', status < 500 ? String(error.message) : 'Internal failure.'));
  });
  return app;
}
