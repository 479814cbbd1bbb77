// The composition root: store, secrets, authorizer, actions and the HTTP server wired together.
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
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
import { OidcProviderApi } from './api/oidc-provider-api.ts';
import { WellKnownApi } from './api/federation/well-known.ts';
import { Authorizer } from './authz/authorizer.ts';
import { OidcKeyCache } from './federation/oidc-key-cache.ts';
import { bootstrap, openSecrets, type BootstrapResult } from './bootstrap.ts';
import { checkPublicUrl, checkTls, type Config } from './config.ts';
import { HSTS, loadTlsFiles, reloadTls, type TlsFiles } from './api/tls.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import { Store } from './store/store.ts';
import { newThreadLock } from './store/thread-lock.ts';
import { pathOf } from './http/raw-header.ts';
import { parseRateLimit, Throttle } from './api/throttle.ts';
import { Drain } from './http/drain.ts';
import { Metrics } from './metrics/metrics.ts';
import { Probes, startProbeServer } from './api/probes.ts';
import { CloudTrailApi } from './api/cloudtrail-api.ts';
import { AuditRecorder } from './audit/recorder.ts';
import { auditOptions } from './audit/options.ts';
import { sensitiveMemberNames } from './actions/dispatch.ts';

export interface App {
  server: Server;
  store: Store;
  services: Services;
  boot: BootstrapResult;
  /** The URL the server listens on, once started. */
  url: string;
  /** With TLS: reads the certificate and key files again for new connections; returns why a bad pair was refused (the old one stays). */
  reloadTls?: () => Error | undefined;
  /** With --metrics-port: the URL of the metrics port (/metrics, /readyz, /healthz). */
  metricsUrl?: string;
  /** The app's own Prometheus registry and metrics, when metrics are on. */
  metrics?: Metrics;
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
  // Rate limits (off unless set); a malformed one refuses to start.
  const throttle = new Throttle({
    perKey: parseRateLimit(config.rateLimitPerKey, 'IAMD_RATE_LIMIT_PER_KEY'),
    perAccount: parseRateLimit(config.rateLimitPerAccount, 'IAMD_RATE_LIMIT_PER_ACCOUNT'),
    signIn: parseRateLimit(config.rateLimitSignIn, 'IAMD_RATE_LIMIT_SIGN_IN'),
    authorize: parseRateLimit(config.rateLimitAuthorize, 'IAMD_RATE_LIMIT_AUTHORIZE'),
    unsigned: parseRateLimit(config.rateLimitUnsigned, 'IAMD_RATE_LIMIT_UNSIGNED'),
    gateway: parseRateLimit(config.rateLimitGateway, 'IAMD_RATE_LIMIT_GATEWAY'),
  });
  // TLS: a missing, unreadable or mismatched certificate and key refuse to start, before the store opens.
  const tls = checkTls(config.tlsCert, config.tlsKey);
  const tlsFiles: TlsFiles | undefined = tls.tlsCert && tls.tlsKey ? { certFile: tls.tlsCert, keyFile: tls.tlsKey } : undefined;
  const tlsPair = tlsFiles ? loadTlsFiles(tlsFiles) : undefined;
  // A data folder is written by this thread and the audit trail's appender thread, which share a lock.
  const threadLock = !config.databaseUrl && config.dataDir !== ':memory:' ? newThreadLock() : undefined;
  const store = await Store.open({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, threadLock });
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
  // Prometheus metrics (src/metrics): an app's own registry, counted into by each layer when on.
  const metrics = config.metrics || config.metricsPort !== undefined ? new Metrics() : undefined;
  const credentials = new CredentialResolver(store, secrets);
  const authenticator = new Authenticator(credentials, config.partition, metrics);
  const authorizer = new Authorizer(store, secrets, (err) => logger.warn({ err: String(err) }, 'could not record service activity'));
  const services: Services = { store, secrets, authorizer, logger, clock, partition: config.partition, authenticator };
  if (metrics) {
    credentials.metrics = metrics;
    authorizer.useMetrics(metrics);
    store.metrics = metrics;
    services.metrics = metrics;
  }
  // /readyz on the main port; /metrics there too unless it has a port of its own.
  let stopping = false;
  const probes = new Probes({
    store,
    logger,
    metrics: config.metricsPort === undefined ? metrics : undefined,
    token: config.metricsToken,
    stopping: () => stopping,
  });
  // AssumeRoleWithWebIdentity: the OIDC issuers' signing keys, kept for the process (src/federation/oidc-key-cache.ts).
  services.oidcKeys = new OidcKeyCache({
    now: () => clock().getTime(),
    onFetchError: (issuer, error) => logger.warn({ issuer, failure: error.failure, err: error.message }, 'OIDC issuer keys could not be fetched'),
  });
  // One dispatch for every transport: lookup, decode, context, run, the authorization invariant.
  const dispatcher = new Dispatcher(services, buildRegistry(), metrics);
  // The audit trail (src/audit, docs/audit.md): every call recorded, chained by hash, digests signed.
  const auditSettings = auditOptions(config.audit);
  const audit = auditSettings.enabled
    ? await AuditRecorder.open(
        store,
        secrets,
        auditSettings,
        logger,
        clock,
        sensitiveMemberNames(),
        metrics,
        threadLock ? { dataDir: config.dataDir, threadLock } : undefined,
      ).catch(async (error: unknown) => {
        await store.close();
        throw error;
      })
    : undefined;
  if (audit) {
    dispatcher.audit = audit;
    services.audit = audit;
  }
  // CloudTrail's LookupEvents (JSON 1.1, X-Amz-Target): the audit trail's query API.
  const cloudTrail = new CloudTrailApi(services, dispatcher, authenticator, logger, throttle);
  const api = new QueryApi(services, dispatcher, authenticator, logger, throttle);
  // iamd's own JSON APIs share one signed-JSON way in and out (src/api/json-api.ts).
  const json = new JsonApi(services, authenticator, logger, throttle);
  // Workloads (iamd exec): the container-credentials endpoint and the signed workload API.
  const workloads = new WorkloadApi(services, dispatcher, json);
  // Service catalogues (/iamd/services…): signed JSON, through the same dispatch.
  const catalogues = new CatalogueApi(dispatcher, json);
  // The authorization API (/iamd/authorize…, /iamd/resource-policies): protected services ask here.
  const authorizeApi = new AuthorizeApi(dispatcher, json);
  // Gateways (/iamd/gateways…, /iamd/gateway/check…): proxies that cannot sign, by their token.
  const gateways = new GatewayApi(services, dispatcher, json, store, logger, throttle);
  // iamd's extensions to OIDC providers (/iamd/oidc-providers/keys, …/console-sign-in): signed JSON, same dispatch.
  const oidcProviders = new OidcProviderApi(dispatcher, json);
  // The web console (/console…) runs the same handlers and authorizer as the signed-in principal.
  const webConsole = new Console(services, dispatcher, throttle);
  // The outbound OIDC issuers' discovery documents and keys (/oidc/ID/.well-known/…): public GETs.
  const wellKnown = new WellKnownApi(services, store);

  const onRequest: RequestListener = (req, res) => {
    if (tlsPair) res.setHeader('strict-transport-security', HSTS);
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', accountId: boot.accountId }));
      return;
    }
    if (probes.handles(req)) {
      probes.handle(req, res).catch((err: unknown) => {
        logger.error({ err: String(err) }, 'probe failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    const path = pathOf(req.url);
    const handler = cloudTrail.handles(req)
      ? cloudTrail.handle(req, res)
      : isConsolePath(req.url)
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
                  : oidcProviders.handles(path)
                    ? oidcProviders.handle(req, res, path)
                    : api.handle(req, res);
    handler.catch((err: unknown) => {
      logger.error({ err: String(err) }, 'unhandled');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  // The same handler either way: HTTPS served directly with --tls-cert/--tls-key, plain HTTP otherwise.
  const httpsServer = tlsPair ? createHttpsServer(tlsPair, onRequest) : undefined;
  const server: Server = httpsServer ?? createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  const drain = new Drain(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scheme = tlsPair ? 'https' : 'http';
  // The base of the URLs iamd publishes (the OIDC issuers'): IAMD_PUBLIC_URL, else where it listens.
  services.publicUrl = publicUrl ?? `${scheme}://${host}:${address.port}`;
  const metricsServer =
    config.metricsPort !== undefined
      ? await startProbeServer(
          new Probes({ store, logger, metrics, token: config.metricsToken, stopping: () => stopping }),
          config.host,
          config.metricsPort,
          logger,
        ).catch(async (error: unknown) => {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await store.close();
          throw error;
        })
      : undefined;
  return {
    server,
    store,
    services,
    boot,
    url: `${scheme}://${host}:${address.port}`,
    ...(httpsServer && tlsFiles ? { reloadTls: () => reloadTls(httpsServer, tlsFiles) } : {}),
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    ...(metrics ? { metrics } : {}),
    async close() {
      // Graceful: stop accepting, let the requests in flight finish (bounded), then close the database.
      const timeoutMs = (config.shutdownTimeout ?? 10) * 1000;
      stopping = true;
      logger.info({ inFlight: drain.active, timeoutMs }, 'iamd stopping: no new connections, finishing requests in flight');
      const { finished, abandoned } = await drain.close(timeoutMs);
      if (abandoned > 0) logger.warn({ finished, abandoned }, 'requests still unanswered at the shutdown timeout: connections cut');
      else logger.info({ finished }, 'requests in flight finished');
      if (metricsServer) {
        await new Promise<void>((resolve) => {
          metricsServer.server.close(() => resolve());
          metricsServer.server.closeAllConnections();
        });
      }
      // The audit records still queued (reads, refusals) are appended before the database closes.
      await audit?.close();
      await store.close();
      logger.info('database closed');
    },
  };
}
