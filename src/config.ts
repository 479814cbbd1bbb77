// iamd's settings: command-line flags win over IAMD_* environment variables, which win over defaults.
import { PARTITIONS, isPartition, type Partition } from './sigv4/partition.ts';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… selects PostgreSQL (several nodes on one database); unset: SQLite in dataDir. */
  databaseUrl?: string;
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
}

export const DEFAULT_PORT = 8900;

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
    accountId: flags.accountId ?? env.IAMD_ACCOUNT_ID,
    rootAccessKeyId: env.IAMD_ROOT_ACCESS_KEY_ID,
    rootSecretAccessKey: env.IAMD_ROOT_SECRET_ACCESS_KEY,
    masterKey: env.IAMD_MASTER_KEY,
    rootEmail: env.IAMD_ROOT_EMAIL,
    rootPassword: env.IAMD_ROOT_PASSWORD,
    logLevel: flags.logLevel ?? env.IAMD_LOG_LEVEL ?? 'info',
    partition: checkPartition(flags.partition ?? env.IAMD_PARTITION ?? 'aws'),
    publicUrl: checkPublicUrl(flags.publicUrl ?? env.IAMD_PUBLIC_URL),
  };
}
