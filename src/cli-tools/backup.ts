// `iamd backup`, `iamd restore` and `iamd rotate-master-key` (docs/operations.md, "Backups,
// restore and master-key rotation").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { loadMasterKeys, parseMasterKey } from '../bootstrap.ts';
import { configFromEnv } from '../config.ts';
import { SecretBox } from '../crypto/secret-box.ts';
import { backupSqlite, restoreSqlite } from '../store/backup.ts';
import { Store } from '../store/store.ts';
import { finishKeyFiles, installNewKeyFile, rotateMasterKey } from './master-key-rotation.ts';

const dataDirOption = () => new Option('--data-dir <dir>', 'the data folder (IAMD_DATA_DIR)').default(undefined, './data');

export function addBackupCommands(program: Command): void {
  program
    .command('backup')
    .description("copy the data folder's SQLite store to FILE, consistently, while iamd serves (the master key is not in it: keep master.key safe apart)")
    .argument('<file>', 'the backup file to create')
    .addOption(dataDirOption())
    .action(async (file: string, flags: { dataDir?: string }) => {
      const dataDir = flags.dataDir ?? process.env.IAMD_DATA_DIR ?? './data';
      await backupSqlite(dataDir, file);
      process.stdout.write(
        `backed up ${join(dataDir, 'iamd.sqlite')} to ${file}. Its secrets are sealed under the master key, which is not in the backup: keep ${join(dataDir, 'master.key')} (or IAMD_MASTER_KEY) safe apart.\n`,
      );
    });

  program
    .command('restore')
    .description('restore a backup made by `iamd backup` into a data folder (iamd must not be running on it)')
    .argument('<file>', 'the backup file')
    .addOption(dataDirOption())
    .option('--force', "replace the data folder's store (not its master.key)")
    .action((file: string, flags: { dataDir?: string; force?: boolean }) => {
      const dataDir = flags.dataDir ?? process.env.IAMD_DATA_DIR ?? './data';
      restoreSqlite(file, dataDir, flags.force === true);
      process.stdout.write(
        `restored ${file} into ${dataDir}. Start iamd with the master key the backup was sealed with (${join(dataDir, 'master.key')} or IAMD_MASTER_KEY).\n`,
      );
    });

  program
    .command('rotate-master-key')
    .description('re-seal every stored secret under a new master key, while iamd serves; crash-safe, run it again to resume')
    .addOption(dataDirOption())
    .addOption(new Option('--database-url <url>', 'the PostgreSQL database, postgres://… (IAMD_DATABASE_URL)'))
    .option('--new-key-file <file>', 'the new master key: 32 bytes as base64 or 64 hex digits (or IAMD_NEW_MASTER_KEY)')
    .option('--prepare', 'only install the new key as master.key.new beside master.key: restart iamd on it (it then opens with both keys), then rotate')
    .action(async (flags: { dataDir?: string; databaseUrl?: string; newKeyFile?: string; prepare?: boolean }) => {
      const config = configFromEnv(process.env, {
        ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
      });
      const current = loadMasterKeys(config);
      const given = flags.newKeyFile
        ? parseMasterKey(readFileSync(flags.newKeyFile, 'utf8'), flags.newKeyFile)
        : process.env.IAMD_NEW_MASTER_KEY
          ? parseMasterKey(process.env.IAMD_NEW_MASTER_KEY, 'IAMD_NEW_MASTER_KEY')
          : undefined;
      // Without a new key, resume the rotation the keyring names (IAMD_MASTER_KEY=NEW,OLD or master.key.new).
      if (!given && current.length < 2) throw new Error('give the new master key: --new-key-file FILE or IAMD_NEW_MASTER_KEY');
      const newKey = given ?? current[0]!;
      const ring = [newKey, ...current.filter((k) => !k.equals(newKey))];
      if (ring.length < 2) throw new Error('the new master key is the current one');
      const keyFiles = !config.masterKey && !config.databaseUrl;
      if (keyFiles) installNewKeyFile(config.dataDir, newKey);
      if (flags.prepare) {
        process.stdout.write(
          keyFiles
            ? `installed the new key as ${join(config.dataDir, 'master.key.new')}: restart iamd, then run \`iamd rotate-master-key\` again.\n`
            : 'start every node with IAMD_MASTER_KEY=NEW,OLD, then run `iamd rotate-master-key` with that environment.\n',
        );
        return;
      }
      const store = await Store.open({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      try {
        // Tests stop the process here, as kill -9 would, to check that a rotation resumes.
        const killAfter = Number(process.env.IAMD_TEST_ROTATION_KILL_AFTER ?? 0);
        const result = await rotateMasterKey(store, new SecretBox(ring), {
          afterRow: (n) => {
            if (killAfter > 0 && n >= killAfter) process.kill(process.pid, 'SIGKILL');
          },
        });
        if (keyFiles) finishKeyFiles(config.dataDir);
        process.stdout.write(`re-sealed ${result.resealed} secrets under the new master key.\n`);
        if (result.unreadable.length > 0) process.stdout.write(`not re-sealed, opening under neither key: ${result.unreadable.join(', ')}\n`);
        process.stdout.write(
          keyFiles
            ? `${join(config.dataDir, 'master.key')} now holds the new key. Session tokens sealed under the old key stop working once iamd restarts.\n`
            : 'Give every node IAMD_MASTER_KEY=NEW (keep NEW,OLD until the last session token issued under OLD has expired, at most 36 hours).\n',
        );
      } finally {
        await store.close();
      }
    });
}
