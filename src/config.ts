// iamd's settings: command-line flags win over IAMD_* environment variables, which win over defaults.

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
}

export const DEFAULT_PORT = 8900;

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
  };
}
