// `iamd audit verify | tail | export | public-key`: operator tools over the audit trail, reading
// the store directly (the data folder, or --database-url), as `iamd backup` does; they run beside a
// serving iamd. docs/audit.md.
import { type Command, Option } from 'commander';
import { openSecrets } from '../bootstrap.ts';
import { configFromEnv, type Config } from '../config.ts';
import { auditPublicKey, loadAuditKeys } from '../audit/keys.ts';
import { writeDigest } from '../audit/digest.ts';
import { verifyTrail } from '../audit/verify.ts';
import { Store } from '../store/store.ts';
import type { AuditEventFilter } from '../store/repo/audit.ts';
import type { AuditEventTable } from '../store/schema.ts';

interface StoreFlags {
  dataDir?: string;
  databaseUrl?: string;
}

const storeOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--data-dir <dir>', 'the data folder (IAMD_DATA_DIR)').default(undefined, './data'))
    .addOption(new Option('--database-url <url>', 'the PostgreSQL database, postgres://… (IAMD_DATABASE_URL)'));

function configOf(flags: StoreFlags): Config {
  return configFromEnv(process.env, {
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
  });
}

async function withStore<T>(flags: StoreFlags, fn: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = configOf(flags);
  const store = await Store.open({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** `--since 2h`, `--since 30m`, `--since 7d`, or an ISO time. */
export function parseSince(text: string, now: Date): string {
  const rel = /^(\d+)([smhd])$/.exec(text.trim());
  if (rel) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return isoSeconds(new Date(now.getTime() - Number(rel[1]) * unit));
  }
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new Error(`not a time: \`${text}\` (an ISO time, or 30m, 2h, 7d)`);
  return isoSeconds(d);
}

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One line of `iamd audit tail`: time, event, who, from where, outcome, id. */
export function tailLine(row: AuditEventTable): string {
  const e = JSON.parse(row.body) as {
    sourceIPAddress?: string;
    errorCode?: string;
    responseElements?: { ConsoleLogin?: string } | null;
    userIdentity?: { arn?: string };
  };
  const outcome = e.errorCode ?? e.responseElements?.ConsoleLogin ?? 'OK';
  const who = row.username ?? e.userIdentity?.arn ?? '-';
  return [row.event_time, row.event_source.replace('.amazonaws.com', ''), row.event_name, who, e.sourceIPAddress ?? '-', outcome, row.event_id].join('\t');
}

export function addAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit trail: verify its chain and digests, follow it, export it (docs/audit.md)');

  storeOptions(audit.command('verify'))
    .description('check every event and signed digest; names the first event removed, reordered or altered (exit code 1)')
    .option('--no-digest', 'do not sign a digest of the verified chain afterwards')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StoreFlags & { digest: boolean; json?: boolean }) => {
      await withStore(flags, async (store, config) => {
        const result = await store.read(async (repo) => verifyTrail(repo, await auditPublicKey(repo)));
        let digested = false;
        if (result.ok && flags.digest) {
          // Signing needs the master key; without it the verification still stands.
          try {
            const secrets = await openSecrets(store, config);
            const keys = await loadAuditKeys(store, secrets, new Date());
            await store.touch(async (repo) => {
              await writeDigest(repo, keys.signing, new Date());
            });
            digested = true;
          } catch (error) {
            process.stderr.write(`note: no digest signed (${error instanceof Error ? error.message : String(error)})\n`);
          }
        }
        if (flags.json) process.stdout.write(`${JSON.stringify({ ...result, digested })}\n`);
        else if (result.ok)
          process.stdout.write(
            `audit trail verified: ${result.events} events${result.events > 0 ? ` (#${result.firstSeq}–#${result.lastSeq})` : ''}, ${result.digests} signed digests${digested ? ', a new digest signed' : ''}\n`,
          );
        else process.stdout.write(`audit trail verification FAILED: ${result.problem!.message}\n`);
        if (!result.ok) process.exitCode = 1;
      });
    });

  storeOptions(audit.command('tail'))
    .description('the latest events, newest last (tab-separated: time, service, event, user, source IP, outcome, event id)')
    .option('--event-name <name>', 'only this event (CreateUser, ConsoleLogin…)')
    .option('--user <name>', 'only this user name (root, a user, a role session)')
    .option('--account <id>', 'only this account')
    .option('--since <time>', 'only events since (ISO time, or 30m, 2h, 7d)')
    .option('-n, --lines <n>', 'how many events', '20')
    .option('-f, --follow', 'keep printing new events as they are recorded')
    .option('--json', 'print each event as its CloudTrail JSON')
    .action(
      async (flags: StoreFlags & { eventName?: string; user?: string; account?: string; since?: string; lines: string; follow?: boolean; json?: boolean }) => {
        const lines = Number(flags.lines);
        if (!Number.isInteger(lines) || lines < 1) throw new Error('--lines must be a positive integer');
        const filter: Omit<AuditEventFilter, 'order' | 'limit'> = {
          ...(flags.eventName ? { eventName: flags.eventName } : {}),
          ...(flags.user ? { username: flags.user } : {}),
          ...(flags.account ? { accountId: flags.account } : {}),
          ...(flags.since ? { since: parseSince(flags.since, new Date()) } : {}),
        };
        const print = (row: AuditEventTable) => process.stdout.write(`${flags.json ? row.body : tailLine(row)}\n`);
        await withStore(flags, async (store) => {
          const latest = await store.read((repo) => repo.findAuditEvents({ ...filter, order: 'newest', limit: lines }));
          latest.reverse().forEach(print);
          if (!flags.follow) return;
          let after = latest.length > 0 ? Number(latest.at(-1)!.seq) : await store.read(async (repo) => Number((await repo.auditChainRow('head'))?.seq ?? 0));
          const stop = new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          let stopped = false;
          void stop.then(() => {
            stopped = true;
          });
          while (!stopped) {
            const rows = await store.read((repo) => repo.findAuditEvents({ ...filter, afterSeq: after, order: 'oldest', limit: 500 }));
            for (const row of rows) {
              print(row);
              after = Number(row.seq);
            }
            if (rows.length < 500) await Promise.race([stop, new Promise((r) => setTimeout(r, 1000))]);
          }
        });
      },
    );

  storeOptions(audit.command('export'))
    .description('every event in chain order, one CloudTrail JSON record per line')
    .addOption(new Option('--format <format>', 'the output format').choices(['jsonl']).default('jsonl'))
    .option('--since <time>', 'only events since (ISO time, or 30m, 2h, 7d)')
    .option('--until <time>', 'only events until (ISO time)')
    .option('--account <id>', 'only this account')
    .action(async (flags: StoreFlags & { since?: string; until?: string; account?: string }) => {
      const now = new Date();
      await withStore(flags, async (store) => {
        let after = 0;
        for (;;) {
          const rows = await store.read((repo) =>
            repo.findAuditEvents({
              afterSeq: after,
              order: 'oldest',
              limit: 1000,
              ...(flags.since ? { since: parseSince(flags.since, now) } : {}),
              ...(flags.until ? { until: parseSince(flags.until, now) } : {}),
              ...(flags.account ? { accountId: flags.account } : {}),
            }),
          );
          if (rows.length === 0) break;
          process.stdout.write(rows.map((r) => `${r.body}\n`).join(''));
          after = Number(rows.at(-1)!.seq);
        }
      });
    });

  storeOptions(audit.command('public-key'))
    .description("the digests' Ed25519 public key (PEM), to check digests elsewhere")
    .action(async (flags: StoreFlags) => {
      await withStore(flags, async (store) => {
        const row = await store.read((repo) => repo.auditKey('signing'));
        if (!row?.public_key) throw new Error('this store has no audit trail key yet (start iamd once)');
        process.stdout.write(row.public_key);
      });
    });
}
