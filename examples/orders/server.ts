// Runs the orders example against an iamd:
//
//   IAMD_ENDPOINT=http://127.0.0.1:8900 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… npx tsx examples/orders/server.ts
//
// The service signs its calls to iamd with its own credentials, from the AWS default credential
// chain; they must allow iamd:Authorize on arn:aws:iamd::ACCOUNT:service/orders (see README.md).
//   IAMD_ENDPOINT       iamd's URL (default AWS_ENDPOINT_URL, then http://127.0.0.1:8900)
//   ORDERS_PORT         port to listen on (default 8080; 0 picks one)
//   ORDERS_REGION       the region in the orders' ARNs (default AWS_REGION, then us-east-1)
//   ORDERS_ACCOUNT_ID   the account in the orders' ARNs (default: the service's own, from sts:GetCallerIdentity)
//   ORDERS_FRAMEWORK    express (default) or fastify
//
// Behind nginx (examples/nginx/orders.conf), which asks iamd itself: no iamd credentials needed.
//   ORDERS_MODE=gateway ORDERS_PORT=8081 npx tsx examples/orders/server.ts
//   ORDERS_TRUSTED_GATEWAYS   the gateway's addresses, comma-separated (default 127.0.0.1,::1): only
//                             requests from them are served, with the principal their headers name
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createIamdClient } from '../../packages/iamd-middleware/src/index.ts';
import { createOrdersExpressApp } from './express-app.ts';
import { createOrdersFastifyApp } from './fastify-app.ts';
import { createOrdersGatewayApp } from './gateway-app.ts';
import { OrderStore } from './orders.ts';

const env = process.env;
const host = env.ORDERS_HOST ?? '127.0.0.1';
const seed = (store: OrderStore) => {
  store.create({ OrderId: '1', Item: 'coffee beans', Quantity: 2, Amount: 24, CreatedBy: 'seed' });
  store.create({ OrderId: '2', Item: 'espresso machine', Quantity: 1, Amount: 1450, CreatedBy: 'seed' });
  return store;
};

if (env.ORDERS_MODE === 'gateway') {
  const trustedPeers = (env.ORDERS_TRUSTED_GATEWAYS ?? '127.0.0.1,::1').split(',').map((a) => a.trim());
  const server = createOrdersGatewayApp(seed(new OrderStore()), { trustedPeers }).listen(Number(env.ORDERS_PORT ?? 8081), host, () => {
    const address = server.address();
    console.log(
      `orders (behind a gateway) listening on http://${host}:${typeof address === 'object' && address ? address.port : ''}, trusting ${trustedPeers.join(', ')}`,
    );
  });
} else {
  await serveWithMiddleware();
}

async function serveWithMiddleware(): Promise<void> {
  const endpoint = env.IAMD_ENDPOINT ?? env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:8900';
  const region = env.ORDERS_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accountId = env.ORDERS_ACCOUNT_ID ?? (await new STSClient({ endpoint, region }).send(new GetCallerIdentityCommand({}))).Account!;
  const port = Number(env.ORDERS_PORT ?? 8080);

  const iamd = createIamdClient({ endpoint });
  const config = { region, accountId };
  const store = seed(new OrderStore());

  if (env.ORDERS_FRAMEWORK === 'fastify') {
    const url = await createOrdersFastifyApp(iamd, config, store).listen({ port, host });
    console.log(`orders (fastify) listening on ${url}, protected by iamd at ${endpoint}`);
  } else {
    const server = createOrdersExpressApp(iamd, config, store).listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      console.log(`orders (express) listening on http://${host}:${bound}, protected by iamd at ${endpoint}`);
    });
  }
}
