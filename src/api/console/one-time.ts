// Secrets shown once: the credentials of users just created (passwords, secret access keys) live
// only in the response that shows them and in one in-memory entry for the CSV download. The entry
// is deleted on its first download, when its session views any other page, when the session ends,
// and after ten minutes — whichever comes first. Nothing of it is ever written to disk or logged.
import { randomBytes } from 'node:crypto';

export const ONE_TIME_TTL_MS = 10 * 60 * 1000;

interface Entry {
  sessionHash: string;
  filename: string;
  csv: string;
  expires: number;
}

export class OneTimeStore {
  private readonly entries = new Map<string, Entry>();

  put(sessionHash: string, filename: string, csv: string, now: number): string {
    this.sweep(now);
    const token = randomBytes(18).toString('base64url');
    this.entries.set(token, { sessionHash, filename, csv, expires: now + ONE_TIME_TTL_MS });
    return token;
  }

  /** Returns and deletes the entry, if it belongs to the session and has not expired. */
  take(token: string, sessionHash: string, now: number): { filename: string; csv: string } | undefined {
    const entry = this.entries.get(token);
    if (!entry || entry.sessionHash !== sessionHash) return undefined;
    this.entries.delete(token);
    return entry.expires > now ? { filename: entry.filename, csv: entry.csv } : undefined;
  }

  /** The entry, left in place (a page shown again by Back or reload while the entry lives). */
  peek(token: string, sessionHash: string, now: number): { filename: string; csv: string } | undefined {
    const entry = this.entries.get(token);
    if (!entry || entry.sessionHash !== sessionHash || entry.expires <= now) return undefined;
    return { filename: entry.filename, csv: entry.csv };
  }

  /** The session moved on (or ended): its entries can no longer be downloaded. */
  dropSession(sessionHash: string): void {
    for (const [token, entry] of this.entries) if (entry.sessionHash === sessionHash) this.entries.delete(token);
  }

  has(token: string): boolean {
    return this.entries.has(token);
  }

  private sweep(now: number): void {
    for (const [token, entry] of this.entries) if (entry.expires <= now) this.entries.delete(token);
  }
}

/**
 * RFC 4180 fields. Values are never altered (a password or secret must stay exactly as issued),
 * so fields that start with = + - @ are quoted, not prefixed; user names cannot hold the
 * characters a spreadsheet formula would need to do harm (( ) | ! …).
 */
export function csvField(value: string): string {
  return /[",\r\n=+\-@]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
