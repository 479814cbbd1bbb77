// How tests start the iamd command: the build (bin/iamd.js, as `npm start` runs it) when dist/ is
// newer than every source file — `npm ci` builds it, so CI always has it — else the sources through
// tsx. A child started from the build costs about half the CPU of one transpiled by tsx, and the
// suite starts over a hundred.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILT = join(ROOT, 'bin', 'iamd.js');
const BUILT_CLI = join(ROOT, 'dist', 'cli.js');
const SOURCE = join(ROOT, 'src', 'cli.ts');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const built = existsSync(BUILT_CLI) && statSync(BUILT_CLI).mtimeMs >= newestSource(join(ROOT, 'src'));

/** The node arguments that run `iamd`: follow them with the command's own (`serve`, `--port`, …). */
export const IAMD: readonly string[] = built ? [BUILT] : ['--import', 'tsx', SOURCE];
