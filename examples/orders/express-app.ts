// The orders service on Express 5, every route protected by iamd through @iamd/middleware.
import express, { type NextFunction, type Request, type Response } from 'express';
import { type ExpressRequest, type IamdClient, keepRawBody } from '../../packages/iamd-middleware/src/index.ts';
import { ANY_RESOURCE, errorBody, newOrderInput, type OrdersConfig, OrderStore, orderArn } from './orders.ts';

export function createOrdersExpressApp(iamd: IamdClient, config: OrdersConfig, store = new OrderStore()): express.Express {
  const app = express();
  // Parse JSON, and keep the raw bytes: the middleware checks them against the signature.
  app.use(express.json({ verify: keepRawBody }));

  const order = (req: ExpressRequest) => store.get(String(req.params.id));
  const arn = (req: ExpressRequest) => orderArn(config, String(req.params.id));
  const amount = (req: ExpressRequest) => {
    const found = order(req);
    return found ? { 'orders:Amount': found.Amount } : undefined;
  };

  app.get('/orders', iamd.express({ action: 'orders:ListOrders', resource: ANY_RESOURCE }), (_req, res) => {
    res.json({ Orders: store.list().map(({ Policy: _, ...o }) => o) });
  });

  app.post(
    '/orders',
    iamd.express({
      action: 'orders:CreateOrder',
      resource: ANY_RESOURCE,
      context: (req) => (typeof req.body?.Amount === 'number' ? { 'orders:Amount': req.body.Amount } : undefined),
    }),
    (req, res) => {
      const input = newOrderInput(req.body);
      if (typeof input === 'string') return void res.status(400).json(errorBody('ValidationException', input));
      const created = store.create({ ...input, CreatedBy: req.iamd!.principal.Arn });
      res.status(201).json({ Order: created });
    },
  );

  app.get(
    '/orders/:id',
    iamd.express({ action: 'orders:GetOrder', resource: arn, context: amount, resourcePolicy: (req) => order(req)?.Policy }),
    (req, res) => {
      const found = order(req);
      if (!found) return void res.status(404).json(errorBody('ResourceNotFoundException', `Order ${req.params.id} does not exist.`));
      const { Policy: _, ...shown } = found;
      res.json({ Order: shown });
    },
  );

  app.post(
    '/orders/:id/cancel',
    iamd.express({ action: 'orders:CancelOrder', resource: arn, context: amount, resourcePolicy: (req) => order(req)?.Policy }),
    (req, res) => {
      const cancelled = store.cancel(String(req.params.id));
      if (!cancelled) return void res.status(404).json(errorBody('ResourceNotFoundException', `Order ${req.params.id} does not exist.`));
      const { Policy: _, ...shown } = cancelled;
      res.json({ Order: shown });
    },
  );

  // Body-parser errors (malformed JSON, too large) in the same style.
  app.use((error: { status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status ?? 500;
    res.status(status).json(errorBody(status < 500 ? 'ValidationException' : 'InternalFailure', status < 500 ? String(error.message) : 'Internal failure.'));
  });
  return app;
}
