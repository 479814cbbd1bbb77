// The composition root: store, secrets, authorizer, actions and the HTTP server wired together.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { buildRegistry } from './operations.ts';
import { Dispatcher } from './actions/dispatch.ts';
import type { Services } from './actions/context.ts';
import { QueryApi } from './api/query/query-api.ts';
import { Console, isConsolePath } from './api/console/console.ts';
import { CredentialResolver } from './auth/credentials.ts';
import { Authenticator } from './auth/authenticate.ts';
import { WorkloadApi } from './api/workloads/workload-api.ts';
import { JsonApi } from './api/json-api.ts';
import { CatalogueApi } from './api/protect/catalogue-api.ts';
import { AuthorizeApi } from './api/protect/authorize-api.ts';
import { GatewayApi } from './api/protect/gateway-api.ts';
import { OidcProviderKeysApi } from './api/oidc-provider-keys-api.ts';
import { OidcConsoleSignInApi } from './api/oidc-console-sign-in-api.ts';
import { WellKnownApi } from './api/federation/well-known.ts';
import { Authorizer } from './authz/authorizer.ts';
import { OidcKeyCache } from './federation/oidc-key-cache.ts';
import { bootstrap, openSecrets, type BootstrapResult } from './bootstrap.ts';
import { checkPublicUrl, type Config } from './config.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import { Store } from './store/store.ts';
import { pathOf } from './http/raw-header.ts';

export interface App {
  server: Server;
  store: Store;
  services: Services;
  boot: BootstrapResult;
  /** The URL the server listens on, once started. */
  url: string;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  clock?: () => Date;
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: undefined });
  const clock = options.clock ?? (() => new Date());
  // Checked before anything starts: a bad IAMD_PUBLIC_URL refuses to start.
  const publicUrl = checkPublicUrl(config.publicUrl);
  const store = await Store.open({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  let secrets: SecretBox;
  let boot: BootstrapResult;
  try {
    // Fails closed: a master key that does not open what the store holds refuses to start.
    secrets = await openSecrets(store, config);
    boot = await bootstrap(store, secrets, config, clock());
  } catch (error) {
    await store.close();
    throw error;
  }
  for (const warning of boot.warnings ?? []) logger.warn(warning);
  // The one SigV4 verifier: every transport's callers, and the requests protected services relay.
  const authenticator = new Authenticator(new CredentialResolver(store, secrets), config.partition);
  const authorizer = new Authorizer(store, secrets, (err) => logger.warn({ err: String(err) }, 'could not record service activity'));
  const services: Services = { store, secrets, authorizer, logger, clock, partition: config.partition, authenticator };
  // AssumeRoleWithWebIdentity: the OIDC issuers' signing keys, kept for the process (src/federation/oidc-key-cache.ts).
  services.oidcKeys = new OidcKeyCache({
    now: () => clock().getTime(),
    onFetchError: (issuer, error) => logger.warn({ issuer, failure: error.failure, err: error.message }, 'OIDC issuer keys could not be fetched'),
  });
  // One dispatch for every transport: lookup, decode, context, run, the authorization invariant.
  const dispatcher = new Dispatcher(services, buildRegistry());
  const api = new QueryApi(services, dispatcher, authenticator, logger);
  // iamd's own JSON APIs share one signed-JSON way in and out (src/api/json-api.ts).
  const json = new JsonApi(services, authenticator, logger);
  // Workloads (iamd exec): the container-credentials endpoint and the signed workload API.
  const workloads = new WorkloadApi(services, dispatcher, json);
  // Service catalogues (/iamd/services…): signed JSON, through the same dispatch.
  const catalogues = new CatalogueApi(dispatcher, json);
  // The authorization API (/iamd/authorize…, /iamd/resource-policies): protected services ask here.
  const authorizeApi = new AuthorizeApi(dispatcher, json);
  // Gateways (/iamd/gateways…, /iamd/gateway/check…): proxies that cannot sign, by their token.
  const gateways = new GatewayApi(services, dispatcher, json, store, logger);
  // OIDC providers' keys given by an administrator (/iamd/oidc-providers/keys): signed JSON, same dispatch.
  const oidcProviderKeys = new OidcProviderKeysApi(dispatcher, json);
  // Console sign-in through an OIDC provider, enabled by an administrator (/iamd/oidc-providers/console-sign-in).
  const oidcConsoleSignIn = new OidcConsoleSignInApi(dispatcher, json);
  // The web console (/console…) runs the same handlers and authorizer as the signed-in principal.
  const webConsole = new Console(services, dispatcher);
  // The outbound OIDC issuers' discovery documents and keys (/oidc/ID/.well-known/…): public GETs.
  const wellKnown = new WellKnownApi(services, store);

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', accountId: boot.accountId }));
      return;
    }
    const path = pathOf(req.url);
    const handler = isConsolePath(req.url)
      ? webConsole.handle(req, res)
      : workloads.handles(path)
        ? workloads.handle(req, res)
        : catalogues.handles(path)
          ? catalogues.handle(req, res)
          : authorizeApi.handles(path)
            ? authorizeApi.handle(req, res)
            : gateways.handles(path)
              ? gateways.handle(req, res)
              : wellKnown.handles(path)
                ? wellKnown.handle(req, res)
                : oidcProviderKeys.handles(path)
                  ? oidcProviderKeys.handle(req, res)
                  : oidcConsoleSignIn.handles(path)
                    ? oidcConsoleSignIn.handle(req, res)
                    : api.handle(req, res);
    handler.catch((err: unknown) => {
      logger.error({ err: String(err) }, 'unhandled');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // The base of the URLs iamd publishes (the OIDC issuers'): IAMD_PUBLIC_URL, else where it listens.
  services.publicUrl = publicUrl ?? `http://${host}:${address.port}`;
  return {
    server,
    store,
    services,
    boot,
    url: `http://${host}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
