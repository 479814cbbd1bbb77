// iamd's settings: command-line flags win over IAMD_* environment variables, which win over defaults.
import { PARTITIONS, isPartition, type Partition } from './sigv4/partition.ts';
import type { AuditOptions } from './audit/recorder.ts';
import { auditOptionsFromEnv } from './audit/options.ts';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… selects PostgreSQL (several nodes on one database); unset: SQLite in dataDir. */
  databaseUrl?: string;
  /** PostgreSQL: connections in this process's pool (IAMD_DATABASE_POOL_SIZE); unset: 10, or shared out among --workers. */
  databasePoolSize?: number;
  accountId?: string;
  rootAccessKeyId?: string;
  rootSecretAccessKey?: string;
  masterKey?: string;
  /** The root user's console sign-in: email and password (a password is generated on first start when unset). */
  rootEmail?: string;
  rootPassword?: string;
  logLevel: string;
  /**
   * The one AWS partition this deployment serves (`aws`, `aws-cn`, `aws-us-gov`, …): every ARN it
   * builds or accepts is in it, and requests signed for a region of another partition are refused.
   */
  partition: Partition;
  /**
   * The URL clients reach this iamd at (https://iam.example.com, behind a proxy), for the URLs iamd
   * publishes: the outbound OIDC issuer's. Unset: `http://HOST:PORT` it listens on.
   */
  publicUrl?: string;
  /** Rate limits, `RATE[:BURST]` requests/s (parsed by src/api/throttle.ts at start); unset: none. */
  rateLimitPerKey?: string;
  rateLimitPerAccount?: string;
  rateLimitSignIn?: string;
  rateLimitAuthorize?: string;
  /** Unsigned STS calls (AssumeRoleWithWebIdentity, AssumeRoleWithSAML) per source IP, and gateway checks per gateway. */
  rateLimitUnsigned?: string;
  rateLimitGateway?: string;
  /** On SIGTERM/SIGINT, how long requests in flight may take to finish before iamd exits anyway. */
  shutdownTimeout?: number;
  /** TLS: iamd serves HTTPS with this certificate chain (PEM) and its key (PEM), both or neither; SIGHUP reads them again. */
  tlsCert?: string;
  tlsKey?: string;
  /** Prometheus metrics: served at /metrics on the main port when true (IAMD_METRICS=on). */
  metrics?: boolean;
  /** Serve /metrics and /readyz on this port instead of the main one (metrics on); 0 picks a free one. */
  metricsPort?: number;
  /** When set, /metrics answers only `Authorization: Bearer TOKEN` (environment only: a flag shows in `ps`). */
  metricsToken?: string;
  /** The audit trail's settings (IAMD_AUDIT_*, src/audit/options.ts); on by default. */
  audit?: Partial<AuditOptions>;
}

export const DEFAULT_PORT = 8900;

/** IAMD_TLS_CERT and IAMD_TLS_KEY: both (HTTPS) or neither (plain HTTP, or TLS ended by a proxy). */
export function checkTls(tlsCert: string | undefined, tlsKey: string | undefined): Pick<Config, 'tlsCert' | 'tlsKey'> {
  const cert = tlsCert || undefined;
  const key = tlsKey || undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error('--tls-cert (IAMD_TLS_CERT) and --tls-key (IAMD_TLS_KEY) go together: give both to serve HTTPS, or neither');
  }
  return cert && key ? { tlsCert: cert, tlsKey: key } : {};
}

/** IAMD_PUBLIC_URL: an http(s) URL with no query or fragment; kept without its trailing slash. */
export function checkPublicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`IAMD_PUBLIC_URL must be an http(s) URL; not '${value}'`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) {
    throw new Error(`IAMD_PUBLIC_URL must be an http(s) URL with no query, fragment or credentials; not '${value}'`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** --metrics / IAMD_METRICS (on|off), --metrics-port / IAMD_METRICS_PORT, IAMD_METRICS_TOKEN. */
export function checkMetrics(
  flag: boolean | undefined,
  portFlag: number | undefined,
  env: NodeJS.ProcessEnv,
): Pick<Config, 'metrics' | 'metricsPort' | 'metricsToken'> {
  const value = env.IAMD_METRICS?.toLowerCase();
  if (value !== undefined && value !== '' && !['on', 'off', 'true', 'false', '1', '0'].includes(value)) {
    throw new Error(`IAMD_METRICS must be on or off; not '${env.IAMD_METRICS}'`);
  }
  const port = portFlag ?? (env.IAMD_METRICS_PORT ? Number(env.IAMD_METRICS_PORT) : undefined);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new Error(`--metrics-port (IAMD_METRICS_PORT) must be a port number; not '${portFlag ?? env.IAMD_METRICS_PORT}'`);
  }
  const metrics = flag ?? (value === 'on' || value === 'true' || value === '1');
  return { metrics: metrics || port !== undefined, metricsPort: port, metricsToken: env.IAMD_METRICS_TOKEN || undefined };
}

/** IAMD_SHUTDOWN_TIMEOUT: seconds, default 10. */
function checkShutdownTimeout(value: number | string | undefined): number {
  if (value === undefined || value === '') return 10;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`IAMD_SHUTDOWN_TIMEOUT must be a number of seconds; not '${value}'`);
  return n;
}

function checkPartition(name: string): Partition {
  if (!isPartition(name)) throw new Error(`IAMD_PARTITION must be one of ${PARTITIONS.join(', ')}; not '${name}'`);
  return name;
}

export function configFromEnv(env: NodeJS.ProcessEnv, flags: Partial<Config> = {}): Config {
  return {
    host: flags.host ?? env.IAMD_HOST ?? '127.0.0.1',
    port: flags.port ?? (env.IAMD_PORT ? Number(env.IAMD_PORT) : DEFAULT_PORT),
    dataDir: flags.dataDir ?? env.IAMD_DATA_DIR ?? './data',
    databaseUrl: flags.databaseUrl ?? env.IAMD_DATABASE_URL,
    databasePoolSize: env.IAMD_DATABASE_POOL_SIZE ? Number(env.IAMD_DATABASE_POOL_SIZE) : undefined,
    accountId: flags.accountId ?? env.IAMD_ACCOUNT_ID,
    rootAccessKeyId: env.IAMD_ROOT_ACCESS_KEY_ID,
    rootSecretAccessKey: env.IAMD_ROOT_SECRET_ACCESS_KEY,
    masterKey: env.IAMD_MASTER_KEY,
    rootEmail: env.IAMD_ROOT_EMAIL,
    rootPassword: env.IAMD_ROOT_PASSWORD,
    logLevel: flags.logLevel ?? env.IAMD_LOG_LEVEL ?? 'info',
    partition: checkPartition(flags.partition ?? env.IAMD_PARTITION ?? 'aws'),
    publicUrl: checkPublicUrl(flags.publicUrl ?? env.IAMD_PUBLIC_URL),
    rateLimitPerKey: flags.rateLimitPerKey ?? env.IAMD_RATE_LIMIT_PER_KEY,
    rateLimitPerAccount: flags.rateLimitPerAccount ?? env.IAMD_RATE_LIMIT_PER_ACCOUNT,
    rateLimitSignIn: flags.rateLimitSignIn ?? env.IAMD_RATE_LIMIT_SIGN_IN,
    rateLimitAuthorize: flags.rateLimitAuthorize ?? env.IAMD_RATE_LIMIT_AUTHORIZE,
    rateLimitUnsigned: flags.rateLimitUnsigned ?? env.IAMD_RATE_LIMIT_UNSIGNED,
    rateLimitGateway: flags.rateLimitGateway ?? env.IAMD_RATE_LIMIT_GATEWAY,
    shutdownTimeout: checkShutdownTimeout(flags.shutdownTimeout ?? env.IAMD_SHUTDOWN_TIMEOUT),
    ...checkTls(flags.tlsCert ?? env.IAMD_TLS_CERT, flags.tlsKey ?? env.IAMD_TLS_KEY),
    ...checkMetrics(flags.metrics, flags.metricsPort, env),
    audit: { ...auditOptionsFromEnv(env), ...flags.audit },
  };
}
