// The console's short-lived state, in the store so that every worker and node sees it (issue #18):
//
// - Secrets shown once: the credentials of users just created (passwords, secret access keys) are
//   kept only for the page that shows them and its CSV download. The entry is deleted on its first
//   download, when its session views any other page, when the session ends, and after ten
//   minutes, whichever comes first.
// - Add user's drafts (issue #19): "Next" saves the form's fields and redirects to the review (a
//   GET), "Previous" links back to the form filled from the draft, and "Create" names the draft.
//   So every page of the wizard is a GET that Back and Forward show again without resubmitting,
//   and the draft makes Create idempotent: a repeated Create of the same draft (a double click,
//   on any worker) waits for the first and gets its answer, never a second run. Thirty minutes;
//   once created, the custom password is dropped from the draft.
//
// Rows are keyed by the SHA-256 of a random token (the token is only in the browser's URL or
// form), bound to the console session's hash, and sealed under the master key bound to their key.
// They are written with `touch`: bookkeeping that drops no cache and is not an IAM change for the
// audit trail. Nothing of them is logged.
import { randomBytes } from 'node:crypto';
import type { Transactions } from '../../store/store.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { sha256 } from './data.ts';

export const ONE_TIME_TTL_MS = 10 * 60 * 1000;
const DRAFT_TTL_MS = 30 * 60 * 1000;
/** A creation still marked as running after this long died with its worker: it may run again. */
const CREATION_STALE_MS = 2 * 60 * 1000;
/** How long a repeated Create waits for the first (polling the row, which another worker may own). */
const CREATION_WAIT_MS = 60 * 1000;
const POLL_MS = 40;

type Kind = 'credentials' | 'draft';
interface Found {
  idHash: string;
  data: string;
  state: string | null;
}

export class ConsoleScratch {
  constructor(
    private readonly store: Transactions,
    private readonly secrets: SecretBox,
  ) {}

  // ---- secrets shown once

  /** Keeps `payload` (the page's credentials) for the session; the token names it in the page's URL. */
  async putCredentials(sessionHash: string, payload: string, now: number): Promise<string> {
    return this.put('credentials', sessionHash, payload, now + ONE_TIME_TTL_MS, now);
  }

  /** Returns and deletes the entry, if it belongs to the session and has not expired. */
  async takeCredentials(token: string, sessionHash: string, now: number): Promise<string | undefined> {
    const found = await this.find('credentials', token, sessionHash, now);
    if (!found) return undefined;
    let deleted = false;
    await this.store.touch(async (repo) => {
      deleted = await repo.deleteConsoleScratch(found.idHash);
    });
    return deleted ? found.data : undefined;
  }

  /** The entry, left in place (a page shown again by Back or reload while the entry lives). */
  async peekCredentials(token: string, sessionHash: string, now: number): Promise<string | undefined> {
    return (await this.find('credentials', token, sessionHash, now))?.data;
  }

  /** The session moved on from its one-time page: its credentials can no longer be shown or downloaded (its drafts stay). */
  async dropSession(sessionHash: string): Promise<void> {
    await this.store.touch((repo) => repo.deleteConsoleScratchOfSession(sessionHash, 'credentials'));
  }

  // ---- Add user's drafts

  async saveDraft(sessionHash: string, form: URLSearchParams, now: number): Promise<string> {
    const fields = [...form].filter(([k]) => k !== '_csrf' && k !== 'step' && k !== 'draft');
    return this.put('draft', sessionHash, JSON.stringify(fields), now + DRAFT_TTL_MS, now);
  }

  async draftFields(token: string | null, sessionHash: string, now: number): Promise<URLSearchParams | undefined> {
    const found = token ? await this.find('draft', token, sessionHash, now) : undefined;
    return found ? new URLSearchParams(JSON.parse(found.data) as [string, string][]) : undefined;
  }

  /**
   * Runs `create` once per draft, across workers: the first caller marks the draft as creating
   * (a compare-and-set on its row); a second call waits for the mark to become the created page's
   * location and answers it. A creation that failed (undefined, or thrown) may run again.
   */
  async createOnce(
    token: string,
    sessionHash: string,
    now: number,
    create: () => Promise<string | undefined>,
  ): Promise<{ location?: string; repeated: boolean } | undefined> {
    const waitUntil = Date.now() + CREATION_WAIT_MS;
    for (;;) {
      const found = await this.find('draft', token, sessionHash, now);
      if (!found) return undefined;
      if (found.state?.startsWith('created:')) return { location: found.state.slice('created:'.length), repeated: true };
      const running = found.state?.startsWith('creating:') && Date.now() - Number(found.state.slice('creating:'.length)) < CREATION_STALE_MS;
      const mark = `creating:${Date.now()}`;
      if (!running && (await this.setState(found.idHash, found.state, mark))) return this.runCreation(found, mark, create);
      if (Date.now() > waitUntil) return { repeated: true };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async runCreation(found: Found, mark: string, create: () => Promise<string | undefined>): Promise<{ location?: string; repeated: boolean }> {
    let location: string | undefined;
    try {
      location = await create();
    } catch (error) {
      await this.setState(found.idHash, mark, null);
      throw error;
    }
    if (!location) {
      await this.setState(found.idHash, mark, null);
      return { repeated: false };
    }
    const fields = (JSON.parse(found.data) as [string, string][]).filter(([k]) => k !== 'customPassword');
    await this.setState(found.idHash, mark, `created:${location}`, this.secrets.seal(JSON.stringify(fields), scratchRecord(found.idHash)));
    return { location, repeated: false };
  }

  // ---- rows

  private async put(kind: Kind, sessionHash: string, plaintext: string, expires: number, now: number): Promise<string> {
    const token = randomBytes(18).toString('base64url');
    const idHash = sha256(token);
    const row = {
      id_hash: idHash,
      session_hash: sessionHash,
      kind,
      data: this.secrets.seal(plaintext, scratchRecord(idHash)),
      state: null,
      expires_at: new Date(expires).toISOString(),
    };
    await this.store.touch(async (repo) => {
      await repo.deleteExpiredConsoleScratch(new Date(now));
      await repo.insertConsoleScratch(row);
    });
    return token;
  }

  /** The live row of this kind and session, its data opened; undefined for anything else. */
  private async find(kind: Kind, token: string, sessionHash: string, now: number): Promise<Found | undefined> {
    if (!/^[A-Za-z0-9_-]{10,100}$/.test(token)) return undefined;
    const idHash = sha256(token);
    const row = await this.store.read((repo) => repo.getConsoleScratch(idHash));
    if (!row || row.kind !== kind || row.session_hash !== sessionHash || new Date(row.expires_at).getTime() <= now) return undefined;
    try {
      return { idHash, data: this.secrets.open(row.data, scratchRecord(idHash)), state: row.state };
    } catch {
      return undefined; // not ours, or altered: fail closed
    }
  }

  private async setState(idHash: string, from: string | null, to: string | null, data?: string): Promise<boolean> {
    let set = false;
    await this.store.touch(async (repo) => {
      set = await repo.setConsoleScratchState(idHash, from, to, data);
    });
    return set;
  }
}

/** What a row's sealed data is bound to: it opens only as the row it was written for (also in master-key-rotation.ts). */
const scratchRecord = (idHash: string) => `console-scratch:${idHash}`;

/**
 * RFC 4180 fields. Values are never altered (a password or secret must stay exactly as issued),
 * so fields that start with = + - @ are quoted, not prefixed; user names cannot hold the
 * characters a spreadsheet formula would need to do harm (( ) | ! …).
 */
export function csvField(value: string): string {
  return /[",\r\n=+\-@]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
