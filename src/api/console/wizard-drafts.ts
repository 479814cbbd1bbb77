// Add user's choices between its steps (issue #19): "Next" saves the form's fields as a draft and
// redirects to the review (a GET), "Previous" is a link back to the form filled from the draft,
// and "Create" names the draft. So every page of the wizard is a GET that Back and Forward can
// show again without resubmitting, and the draft makes Create idempotent: a repeated Create of
// the same draft (a double click) waits for the first and gets its answer, never a second run.
// In memory, per node and per session, for 30 minutes; once created, the custom password is
// dropped from the draft.
import { randomBytes } from 'node:crypto';

const TTL_MS = 30 * 60 * 1000;
const MAX_DRAFTS = 10_000;

interface Draft {
  sessionHash: string;
  fields: [string, string][];
  expires: number;
  /** The running or finished creation: the page it redirects to, or undefined when it failed (shown on the form). */
  created?: Promise<string | undefined>;
}

const drafts = new Map<string, Draft>();

function sweep(now: number): void {
  for (const [k, d] of drafts) if (d.expires <= now) drafts.delete(k);
  while (drafts.size >= MAX_DRAFTS) {
    const oldest = drafts.keys().next().value;
    if (oldest === undefined) break;
    drafts.delete(oldest);
  }
}

export function saveDraft(sessionHash: string, form: URLSearchParams, now: number): string {
  sweep(now);
  const token = randomBytes(18).toString('base64url');
  const fields = [...form].filter(([k]) => k !== '_csrf' && k !== 'step' && k !== 'draft');
  drafts.set(token, { sessionHash, fields, expires: now + TTL_MS });
  return token;
}

export function draftFields(token: string | null, sessionHash: string, now: number): URLSearchParams | undefined {
  const d = token ? drafts.get(token) : undefined;
  if (!d || d.sessionHash !== sessionHash || d.expires <= now) return undefined;
  return new URLSearchParams(d.fields);
}

/**
 * Runs `create` once per draft: a second call waits for the first and answers its location. A
 * creation that failed (undefined) may run again.
 */
export async function createOnce(
  token: string,
  sessionHash: string,
  now: number,
  create: () => Promise<string | undefined>,
): Promise<{ location?: string; repeated: boolean } | undefined> {
  const d = drafts.get(token);
  if (!d || d.sessionHash !== sessionHash || d.expires <= now) return undefined;
  if (d.created) {
    const location = await d.created.catch(() => undefined);
    if (location) return { location, repeated: true };
  }
  const running = create();
  d.created = running;
  try {
    const location = await running;
    if (location) d.fields = d.fields.filter(([k]) => k !== 'customPassword');
    else d.created = undefined;
    return { location, repeated: false };
  } catch (error) {
    d.created = undefined;
    throw error;
  }
}
