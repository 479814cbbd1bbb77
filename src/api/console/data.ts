// The console's own tables (migration 0002_console): sign-in sessions and sign-in throttling.
// Their queries are the store's console aggregate (src/store/repo/console.ts), run inside the
// store's transactions like every other query: `repo.getConsoleSession`, `repo.putSigninFailures`…
// Session tokens are stored only as SHA-256 hashes.
import { createHash } from 'node:crypto';

export type { ConsoleSessionTable, ConsoleSigninFailureTable } from '../../store/schema.ts';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
