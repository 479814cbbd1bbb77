// The `iamd` command line: `iamd serve` starts the server.
import { Command, Option } from 'commander';
import { startApp } from './app.ts';
import { configFromEnv, DEFAULT_PORT } from './config.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from './store/store.ts';
import { copyStore } from './store/copy.ts';

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
  .action(async (flags: { host?: string; port?: number; dataDir?: string; databaseUrl?: string; accountId?: string; logLevel?: string }) => {
    const config = configFromEnv(process.env, flags);
    const app = await startApp(config);
    const creds = app.boot.generatedRootCredentials;
    if (creds) {
      // Shown exactly once, on the terminal (never through the logger): the operator's only copy.
      process.stdout.write(
        [
          '',
          `iamd created account ${app.boot.accountId}. Root user's access key (shown only now — store it safely):`,
          `  export AWS_ACCESS_KEY_ID=${creds.accessKeyId}`,
          `  export AWS_SECRET_ACCESS_KEY=${creds.secretAccessKey}`,
          `  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1`,
          `  export AWS_ENDPOINT_URL=${app.url}`,
          '',
        ].join('\n') + '\n',
      );
    }
    const rootPassword = app.boot.generatedRootPassword;
    if (rootPassword) {
      // Shown exactly once, like the root key: the web console's root sign-in.
      process.stdout.write(
        [
          `Root user's console sign-in (shown only now — store it safely; set IAMD_ROOT_PASSWORD to choose your own):`,
          `  ${app.url}/console/${app.boot.accountId}`,
          `  email:    ${rootPassword.email}`,
          `  password: ${rootPassword.password}`,
          '',
        ].join('\n') + '\n',
      );
    }
    app.services.logger.info({ url: app.url, accountId: app.boot.accountId, dataDir: config.dataDir }, 'iamd listening');
    const stop = () => {
      app.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

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
      process.stdout.write(`copied ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')}\n`);
      process.stdout.write(`Secrets stay sealed with this data folder's master key: start every node with\n  IAMD_MASTER_KEY=$(cat ${join(dataDir, 'master.key')}) IAMD_DATABASE_URL=${redactUrl(flags.to)} iamd serve\n`);
    } finally {
      await from.close();
      await to.close();
    }
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

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`iamd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
