// The same orders service on Fastify 5: the middleware as a preHandler on each route.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { type IamdAuthorization, type IamdClient, keepRawBodyFastify } from '../../packages/iamd-middleware/src/index.ts';
import { ANY_RESOURCE, errorBody, newOrderInput, type OrdersConfig, OrderStore, orderArn } from './orders.ts';

declare module 'fastify' {
  interface FastifyRequest {
    iamd?: IamdAuthorization;
    rawBody?: Buffer;
  }
}

type WithId = FastifyRequest<{ Params: { id: string } }>;

export function createOrdersFastifyApp(iamd: IamdClient, config: OrdersConfig, store = new OrderStore()): FastifyInstance {
  const app = Fastify();
  app.decorateRequest('iamd', undefined);
  app.decorateRequest('rawBody', undefined);
  // Keep every body's raw bytes (request.rawBody) for the signature check; Fastify still parses it.
  app.addHook('preParsing', keepRawBodyFastify);

  const arn = (req: WithId) => orderArn(config, req.params.id);
  const amount = (req: WithId) => {
    const found = store.get(req.params.id);
    return found ? { 'orders:Amount': found.Amount } : undefined;
  };
  const policy = (req: WithId) => store.get(req.params.id)?.Policy;
  const hide = ({ Policy: _, ...o }: { Policy?: string }) => o;

  app.get('/orders', { preHandler: iamd.fastify({ action: 'orders:ListOrders', resource: ANY_RESOURCE }) }, async () => ({ Orders: store.list().map(hide) }));

  app.post(
    '/orders',
    {
      preHandler: iamd.fastify<FastifyRequest<{ Body: { Amount?: unknown } }>>({
        action: 'orders:CreateOrder',
        resource: ANY_RESOURCE,
        context: (req) => (typeof req.body?.Amount === 'number' ? { 'orders:Amount': req.body.Amount } : undefined),
      }),
    },
    async (request, reply) => {
      const input = newOrderInput(request.body);
      if (typeof input === 'string') return reply.code(400).send(errorBody('ValidationException', input));
      return reply.code(201).send({ Order: store.create({ ...input, CreatedBy: request.iamd!.principal.Arn }) });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { preHandler: iamd.fastify<WithId>({ action: 'orders:GetOrder', resource: arn, context: amount, resourcePolicy: policy }) },
    async (request, reply) => {
      const found = store.get(request.params.id);
      if (!found) return reply.code(404).send(errorBody('ResourceNotFoundException', `Order ${request.params.id} does not exist.`));
      return { Order: hide(found) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/orders/:id/cancel',
    { preHandler: iamd.fastify<WithId>({ action: 'orders:CancelOrder', resource: arn, context: amount, resourcePolicy: policy }) },
    async (request, reply) => {
      const cancelled = store.cancel(request.params.id);
      if (!cancelled) return reply.code(404).send(errorBody('ResourceNotFoundException', `Order ${request.params.id} does not exist.`));
      return { Order: hide(cancelled) };
    },
  );
  return app;
}
