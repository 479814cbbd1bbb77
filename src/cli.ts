// The `iamd` command line: `iamd serve` starts the server.
import { Command, Option } from 'commander';
import { startApp } from './app.ts';
import { configFromEnv, DEFAULT_PORT } from './config.ts';
import { environmentWithConfigFile } from './cli-tools/config-file.ts';
import { DEFAULT_REGION, PARTITIONS, type Partition } from './sigv4/index.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from './store/store.ts';
import { copyStore } from './store/copy.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { constants as osConstants } from 'node:os';
import { credentialsFromEnv, endpointFromEnv, IamdClient, workloadEnvironment } from './cli-tools/workload-client.ts';
import { startImdsServer } from './cli-tools/imds-server.ts';
import { CatalogueClient } from './cli-tools/catalogue-client.ts';
import { addOidcProviderKeyCommands } from './cli-tools/oidc-provider-keys.ts';
import { addBackupCommands } from './cli-tools/backup.ts';
import { addAuditCommands } from './cli-tools/audit.ts';
import cluster from 'node:cluster';
import type { BootstrapResult } from './bootstrap.ts';
import { joinCluster, parseWorkers, runPrimary, workerConfig, workerCount } from './cli-workers.ts';
import { readFileSync } from 'node:fs';

const program = new Command('iamd').description('A self-hosted, AWS-compatible IAM and STS service');

program
  .command('serve')
  .description('start the IAM/STS endpoint')
  .addOption(new Option('--host <host>', 'address to listen on (IAMD_HOST)').default(undefined, '127.0.0.1'))
  .addOption(new Option('--port <port>', 'port to listen on (IAMD_PORT)').argParser(Number).default(undefined, String(DEFAULT_PORT)))
  .addOption(new Option('--data-dir <dir>', "data folder, or ':memory:' to keep nothing (IAMD_DATA_DIR)").default(undefined, './data'))
  .addOption(new Option('--database-url <url>', 'postgres://… to keep state in PostgreSQL, shared by several nodes (IAMD_DATABASE_URL)'))
  .addOption(new Option('--account-id <id>', 'the 12-digit account id to create on first start (IAMD_ACCOUNT_ID)'))
  .addOption(new Option('--log-level <level>', 'pino log level (IAMD_LOG_LEVEL)').default(undefined, 'info'))
  .addOption(
    new Option('--partition <partition>', 'the AWS partition served: its ARNs and regions only (IAMD_PARTITION)').choices(PARTITIONS).default(undefined, 'aws'),
  )
  .addOption(
    new Option('--public-url <url>', "the URL clients reach iamd at, for the OIDC issuer's URLs (IAMD_PUBLIC_URL)").default(undefined, 'http://HOST:PORT'),
  )
  .addOption(new Option('--rate-limit-per-key <rate>', 'signed requests per second per access key, RATE[:BURST] (IAMD_RATE_LIMIT_PER_KEY)'))
  .addOption(new Option('--rate-limit-per-account <rate>', 'signed requests per second per account, RATE[:BURST] (IAMD_RATE_LIMIT_PER_ACCOUNT)'))
  .addOption(new Option('--rate-limit-sign-in <rate>', 'console sign-in attempts per second per source IP, RATE[:BURST] (IAMD_RATE_LIMIT_SIGN_IN)'))
  .addOption(new Option('--rate-limit-authorize <rate>', 'authorization API requests per second per access key, RATE[:BURST] (IAMD_RATE_LIMIT_AUTHORIZE)'))
  .addOption(
    new Option('--rate-limit-unsigned <rate>', 'unsigned STS calls (web identity, SAML) per second per source IP, RATE[:BURST] (IAMD_RATE_LIMIT_UNSIGNED)'),
  )
  .addOption(new Option('--rate-limit-gateway <rate>', 'gateway checks per second per gateway, RATE[:BURST] (IAMD_RATE_LIMIT_GATEWAY)'))
  .addOption(
    new Option('--shutdown-timeout <seconds>', 'on SIGTERM/SIGINT, how long requests in flight may take to finish (IAMD_SHUTDOWN_TIMEOUT)')
      .argParser(Number)
      .default(undefined, '10'),
  )
  .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this certificate chain, PEM; with --tls-key; SIGHUP reads both again (IAMD_TLS_CERT)'))
  .addOption(new Option('--tls-key <file>', "the TLS certificate's private key, PEM (IAMD_TLS_KEY)"))
  .addOption(new Option('--metrics', 'serve Prometheus metrics at /metrics on the main port (IAMD_METRICS=on)'))
  .addOption(new Option('--metrics-port <port>', 'serve /metrics and /readyz on this port instead (IAMD_METRICS_PORT)').argParser(Number))
  .addOption(new Option('--config <file>', 'read settings from this TOML file; flags and IAMD_* variables win over it (IAMD_CONFIG)'))
  .addOption(new Option('--workers <n>', 'processes serving the port, or auto (one per core) (IAMD_WORKERS)').default(undefined, '1'))
  .action(
    async (flags: {
      host?: string;
      port?: number;
      dataDir?: string;
      databaseUrl?: string;
      accountId?: string;
      logLevel?: string;
      partition?: Partition;
      publicUrl?: string;
      rateLimitPerKey?: string;
      rateLimitPerAccount?: string;
      rateLimitSignIn?: string;
      rateLimitAuthorize?: string;
      rateLimitUnsigned?: string;
      rateLimitGateway?: string;
      shutdownTimeout?: number;
      tlsCert?: string;
      tlsKey?: string;
      metrics?: boolean;
      metricsPort?: number;
      config?: string;
      workers?: string;
    }) => {
      // flag > IAMD_* environment > --config file (src/cli-tools/config-file.ts) > default.
      const env = environmentWithConfigFile(process.env, flags.config ?? process.env.IAMD_CONFIG);
      let config = configFromEnv(env, flags);
      // --workers N: this process forks N workers serving the port (src/cli-workers.ts); each of them runs the rest.
      const workers = parseWorkers(flags.workers ?? env.IAMD_WORKERS);
      if (workers > 1 && cluster.isPrimary) {
        await runPrimary(
          config,
          workers,
          (boot, url) => printFirstStart(boot, url, config.partition),
          (m) => process.stderr.write(`${m}\n`),
        );
        return;
      }
      const inCluster = workerCount();
      if (inCluster) config = workerConfig(config, inCluster);
      const app = await startApp(config);
      if (inCluster) joinCluster(app);
      else printFirstStart(app.boot, app.url, config.partition);
      app.services.logger.info(
        { url: app.url, ...(app.metricsUrl ? { metricsUrl: app.metricsUrl } : {}), accountId: app.boot.accountId, dataDir: config.dataDir },
        'iamd listening',
      );
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        // A second signal while draining: the operator wants out now.
        if (stopping) process.exit(1);
        stopping = true;
        app.services.logger.info({ signal }, 'iamd shutting down');
        // Bounded even if the database does not answer: the drain's timeout plus a margin to close it.
        const limitMs = (config.shutdownTimeout ?? 10) * 1000 + 5000;
        setTimeout(() => {
          app.services.logger.error('shutdown did not finish in time: exiting');
          process.exit(1);
        }, limitMs).unref();
        app.close().then(
          () => {
            app.services.logger.info('iamd stopped');
            process.exit(0);
          },
          (err: unknown) => {
            app.services.logger.error({ err: String(err) }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      // TLS: SIGHUP reads the certificate and key again (a renewal); a bad pair is refused and the old one kept.
      const reloadTls = app.reloadTls;
      if (reloadTls) {
        process.on('SIGHUP', () => {
          const refused = reloadTls();
          if (refused) app.services.logger.error({ err: refused.message }, 'TLS certificate not reloaded: still serving the previous one');
          else app.services.logger.info({ certFile: config.tlsCert }, 'TLS certificate reloaded');
        });
      }
    },
  );

program
  .command('migrate')
  .description('copy an embedded SQLite data folder into an empty PostgreSQL database')
  .requiredOption('--to <url>', 'the PostgreSQL database, postgres://…')
  .addOption(new Option('--data-dir <dir>', 'the data folder to copy (IAMD_DATA_DIR)').default(undefined, './data'))
  .action(async (flags: { to: string; dataDir?: string }) => {
    const dataDir = flags.dataDir ?? process.env.IAMD_DATA_DIR ?? './data';
    if (!existsSync(join(dataDir, 'iamd.sqlite'))) throw new Error(`no iamd data in ${dataDir}`);
    const from = await Store.openSqlite({ dataDir });
    const to = await Store.openPostgres(flags.to);
    try {
      const counts = await copyStore(from, to);
      process.stdout.write(
        `copied ${Object.entries(counts)
          .map(([t, n]) => `${n} ${t}`)
          .join(', ')}\n`,
      );
      process.stdout.write(
        `Secrets stay sealed with this data folder's master key: start every node with\n  IAMD_MASTER_KEY=$(cat ${join(dataDir, 'master.key')}) IAMD_DATABASE_URL=${redactUrl(flags.to)} iamd serve\n`,
      );
    } finally {
      await from.close();
      await to.close();
    }
  });

interface RegisteredWorkload {
  Workload: { WorkloadId: string; Name: string; RoleArn?: string; Expiration?: string };
  AuthorizationToken: string;
  CredentialsPath: string;
}

program
  .command('exec')
  .description("run a command with an instance profile's role: it gets container credentials from iamd, never a long-lived key")
  .requiredOption('--instance-profile <name>', 'the instance profile whose role the command gets')
  .option('--name <name>', 'the workload (and role session) name; default: the command and a random suffix')
  .option('--session-duration <seconds>', "how long each set of credentials lasts (60 to the role's MaxSessionDuration)", Number)
  .option('--endpoint <url>', 'the iamd endpoint (IAMD_ENDPOINT or AWS_ENDPOINT_URL)')
  .option(
    '--imds',
    'also serve an IMDSv2-compatible endpoint to the command (AWS_EC2_METADATA_SERVICE_ENDPOINT), for tools that only know the instance metadata service',
  )
  .argument('<command...>', 'the command to run, after --')
  .action(async (command: string[], flags: { instanceProfile: string; name?: string; sessionDuration?: number; endpoint?: string; imds?: boolean }) => {
    const [program, ...args] = command;
    if (program === undefined) throw new Error('iamd exec: name the command to run after --');
    const endpoint = endpointFromEnv(process.env, flags.endpoint);
    const client = new IamdClient(endpoint, credentialsFromEnv(process.env));
    const name =
      flags.name ??
      `${basename(program)
        .replace(/[^\w+=,.@-]/g, '-')
        .slice(0, 48)}-${randomBytes(4).toString('hex')}`;
    const registered = await client.request<RegisteredWorkload>('POST', '/iamd/workloads', {
      InstanceProfileName: flags.instanceProfile,
      Name: name,
      SessionDurationSeconds: flags.sessionDuration,
    });
    const env = workloadEnvironment(process.env, endpoint + registered.CredentialsPath, registered.AuthorizationToken);
    const imds = flags.imds ? await startImdsServer(endpoint + registered.CredentialsPath, registered.AuthorizationToken) : undefined;
    if (imds) {
      env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.endpoint;
      delete env.AWS_EC2_METADATA_DISABLED;
    }
    const child = spawn(program, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise<number>((resolve) => {
      child.on('error', (err) => {
        process.stderr.write(`iamd exec: ${err.message}\n`);
        resolve(127);
      });
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
    });
    await imds?.close();
    // The workload ends with its process: its token and sessions stop working.
    await client.request('DELETE', `/iamd/workloads/${encodeURIComponent(registered.Workload.WorkloadId)}`).catch((err: unknown) => {
      process.stderr.write(`iamd exec: could not revoke workload ${registered.Workload.WorkloadId}: ${String(err)}\n`);
    });
    process.exit(code);
  });

const workload = program.command('workload').description('workloads given an instance profile (for processes iamd does not start)');
workload
  .command('register')
  .description('issue a workload token for an instance profile, printed once')
  .requiredOption('--instance-profile <name>', 'the instance profile')
  .requiredOption('--name <name>', 'the workload (and role session) name')
  .option('--expires-in <seconds>', 'the token stops fetching credentials after this long', Number)
  .option('--session-duration <seconds>', 'how long each set of credentials lasts', Number)
  .option('--endpoint <url>', 'the iamd endpoint (IAMD_ENDPOINT or AWS_ENDPOINT_URL)')
  .action(async (flags: { instanceProfile: string; name: string; expiresIn?: number; sessionDuration?: number; endpoint?: string }) => {
    const endpoint = endpointFromEnv(process.env, flags.endpoint);
    const client = new IamdClient(endpoint, credentialsFromEnv(process.env));
    const r = await client.request<RegisteredWorkload>('POST', '/iamd/workloads', {
      InstanceProfileName: flags.instanceProfile,
      Name: flags.name,
      ExpiresInSeconds: flags.expiresIn,
      SessionDurationSeconds: flags.sessionDuration,
    });
    process.stdout.write(
      [
        `workload ${r.Workload.WorkloadId} (${r.Workload.Name}) gets ${r.Workload.RoleArn ?? 'no role'}${r.Workload.Expiration ? ` until ${r.Workload.Expiration}` : ''}.`,
        'Give the process this environment (the token is shown only now):',
        `  AWS_CONTAINER_CREDENTIALS_FULL_URI=${endpoint}${r.CredentialsPath}`,
        `  AWS_CONTAINER_AUTHORIZATION_TOKEN=${r.AuthorizationToken}`,
        '',
      ].join('\n'),
    );
  });
workload
  .command('list')
  .description('list workloads and their status')
  .option('--instance-profile <name>', 'only this instance profile')
  .option('--endpoint <url>', 'the iamd endpoint')
  .action(async (flags: { instanceProfile?: string; endpoint?: string }) => {
    const client = new IamdClient(endpointFromEnv(process.env, flags.endpoint), credentialsFromEnv(process.env));
    const r = await client.request<{ Workloads: unknown[] }>(
      'GET',
      '/iamd/workloads',
      undefined,
      flags.instanceProfile ? { InstanceProfileName: flags.instanceProfile } : {},
    );
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  });
workload
  .command('revoke')
  .description('end a workload: its token and every session it was given stop working')
  .argument('<workload-id>')
  .option('--endpoint <url>', 'the iamd endpoint')
  .action(async (id: string, flags: { endpoint?: string }) => {
    const client = new IamdClient(endpointFromEnv(process.env, flags.endpoint), credentialsFromEnv(process.env));
    const r = await client.request<{ Workload: { WorkloadId: string; Status: string } }>('DELETE', `/iamd/workloads/${encodeURIComponent(id)}`);
    process.stdout.write(`${r.Workload.WorkloadId}: ${r.Workload.Status}\n`);
  });

const service = program.command('service').description("service catalogues: a protected service's actions, resource types, condition keys and routes");
/** The catalogue API's client, signing with the operator's credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). */
function catalogueClient(endpoint?: string): CatalogueClient {
  if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
    throw new Error('set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to credentials allowed iamd:*ServiceCatalog* on the service');
  }
  return new CatalogueClient(new IamdClient(endpointFromEnv(process.env, endpoint), credentialsFromEnv(process.env)));
}
service
  .command('put')
  .description('register a service catalogue, or replace it (the document names the service)')
  .requiredOption('--file <path>', 'the catalogue JSON (- reads standard input)')
  .option('--endpoint <url>', 'the iamd endpoint (IAMD_ENDPOINT or AWS_ENDPOINT_URL)')
  .action(async (flags: { file: string; endpoint?: string }) => {
    const text = readFileSync(flags.file === '-' ? 0 : flags.file, 'utf8');
    const c = await catalogueClient(flags.endpoint).put(text);
    process.stdout.write(
      `${c.ServiceName}: ${c.ActionCount} actions, ${c.ResourceCount} resource types, ${c.ConditionKeyCount} condition keys, ${c.RouteCount} routes (${c.Arn})\n`,
    );
  });
service
  .command('get')
  .description('print a service catalogue as it was registered')
  .argument('<name>')
  .option('--endpoint <url>', 'the iamd endpoint')
  .action(async (name: string, flags: { endpoint?: string }) => {
    const c = await catalogueClient(flags.endpoint).get(name);
    process.stdout.write(c.Catalog?.endsWith('\n') ? c.Catalog : `${c.Catalog ?? ''}\n`);
  });
service
  .command('list')
  .description('list the registered service catalogues')
  .option('--endpoint <url>', 'the iamd endpoint')
  .action(async (flags: { endpoint?: string }) => {
    const list = await catalogueClient(flags.endpoint).list();
    process.stdout.write(JSON.stringify({ ServiceCatalogs: list }, null, 2) + '\n');
  });
service
  .command('delete')
  .description('delete a service catalogue')
  .argument('<name>')
  .option('--endpoint <url>', 'the iamd endpoint')
  .action(async (name: string, flags: { endpoint?: string }) => {
    await catalogueClient(flags.endpoint).delete(name);
    process.stdout.write(`${name}: deleted\n`);
  });

interface GatewayView {
  GatewayId: string;
  Name: string;
  ServiceName: string;
  Arn: string;
  Status: string;
}
const gateway = program
  .command('gateway')
  .description('gateways of a protected service: proxies that cannot sign (nginx auth_request…) and ask iamd with a token');
/** The gateway API's client, signing with the operator's credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). */
function gatewayClient(endpoint?: string): IamdClient {
  if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
    throw new Error('set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to credentials allowed iamd:Authorize on the service');
  }
  return new IamdClient(endpointFromEnv(process.env, endpoint), credentialsFromEnv(process.env));
}
gateway
  .command('register')
  .description("issue a gateway's token for a service (printed once): the gateway may then ask iamd about that service's requests")
  .requiredOption('--service <name>', 'the protected service (its catalogue must be registered)')
  .requiredOption('--name <name>', 'the gateway (nginx-1…)')
  .option('--endpoint <url>', 'the iamd endpoint (IAMD_ENDPOINT or AWS_ENDPOINT_URL)')
  .action(async (flags: { service: string; name: string; endpoint?: string }) => {
    const r = await gatewayClient(flags.endpoint).request<{ Gateway: GatewayView; Token: string }>('POST', '/iamd/gateways', {
      ServiceName: flags.service,
      Name: flags.name,
    });
    process.stdout.write(
      [
        `gateway ${r.Gateway.GatewayId} (${r.Gateway.Name}) may ask iamd about requests to ${r.Gateway.ServiceName}.`,
        'Its token (shown only now; put it in the proxy configuration, readable by the proxy only):',
        `  ${r.Token}`,
        'nginx: proxy_set_header X-Iamd-Gateway-Token "<token>"; in the auth_request location (examples/nginx/orders.conf)',
        '',
      ].join('\n'),
    );
  });
gateway
  .command('list')
  .description('list gateways and their status (never their tokens)')
  .option('--service <name>', 'only this service')
  .option('--endpoint <url>', 'the iamd endpoint')
  .action(async (flags: { service?: string; endpoint?: string }) => {
    const r = await gatewayClient(flags.endpoint).request<{ Gateways: GatewayView[] }>(
      'GET',
      '/iamd/gateways',
      undefined,
      flags.service ? { ServiceName: flags.service } : {},
    );
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  });
gateway
  .command('revoke')
  .description('revoke a gateway: its token authenticates nothing more')
  .argument('<gateway-id>')
  .option('--endpoint <url>', 'the iamd endpoint')
  .action(async (id: string, flags: { endpoint?: string }) => {
    const r = await gatewayClient(flags.endpoint).request<{ Gateway: GatewayView }>('DELETE', `/iamd/gateways/${encodeURIComponent(id)}`);
    process.stdout.write(`${r.Gateway.GatewayId}: ${r.Gateway.Status}\n`);
  });

/** A database URL without its password, for printing. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

// iamd extension: an OIDC provider's keys given by an administrator (iamd oidc-provider put-keys|delete-keys).
addOidcProviderKeyCommands(program);
addBackupCommands(program);
addAuditCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`iamd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

/** The root user's generated access key and console password, on the terminal, exactly once (never through the logger). */
function printFirstStart(boot: BootstrapResult, url: string, partition: Partition): void {
  const creds = boot.generatedRootCredentials;
  if (creds) {
    // Shown exactly once, on the terminal (never through the logger): the operator's only copy.
    process.stdout.write(
      [
        '',
        `iamd created account ${boot.accountId}. Root user's access key (shown only now — store it safely):`,
        `  export AWS_ACCESS_KEY_ID=${creds.accessKeyId}`,
        `  export AWS_SECRET_ACCESS_KEY=${creds.secretAccessKey}`,
        `  export AWS_REGION=${DEFAULT_REGION[partition]} AWS_DEFAULT_REGION=${DEFAULT_REGION[partition]}`,
        `  export AWS_ENDPOINT_URL=${url}`,
        '',
      ].join('\n') + '\n',
    );
  }
  const rootPassword = boot.generatedRootPassword;
  if (rootPassword) {
    // Shown exactly once, like the root key: the web console's root sign-in.
    process.stdout.write(
      [
        `Root user's console sign-in (shown only now — store it safely; set IAMD_ROOT_PASSWORD to choose your own):`,
        `  ${url}/console/${boot.accountId}`,
        `  email:    ${rootPassword.email}`,
        `  password: ${rootPassword.password}`,
        '',
      ].join('\n') + '\n',
    );
  }
}
