// The parts of a page that can fail on their own. A page loads each part with load(); a part whose
// lookup failed still renders, as a notice saying what could not be loaded and why (AWS's
// `Code: message`, so AccessDenied says which action was denied and by what; a failure that is
// not an AwsError is logged and shown as a generic error). Nothing that failed is shown as empty.
import { AwsError } from '../../errors/aws-error.ts';
import { errorText, notice, type Rq } from './core.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';

/** What a lookup got: its value, or the error and the text that explains it. */
export type Loaded<T> = { ok: true; value: T } | { ok: false; error: unknown; reason: string };

/** Runs one lookup of a page; a failure becomes its reason instead of an exception. */
export async function load<T>(rq: Rq, lookup: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await lookup() };
  } catch (error) {
    return { ok: false, error, reason: errorText(rq, error) };
  }
}

/** A lookup that needs no call (an action iamd does not serve yet): nothing, and nothing wrong. */
export function loaded<T>(value: T): Loaded<T> {
  return { ok: true, value };
}

/** Whether the lookup failed because the entity does not exist (a user with no password…). */
export function isMissing(result: Loaded<unknown>): boolean {
  return !result.ok && result.error instanceof AwsError && result.error.code === 'NoSuchEntity';
}

/** The notice of a part of a page that could not be loaded: `{what} could not be loaded: {reason}`. */
export function loadFailed(rq: Rq, what: string, reason: string): SafeHtml {
  return notice('error', rq.t('load.failed', { what, reason }));
}

/** The part's content when its lookup succeeded, otherwise the notice saying why it is missing. */
export function section<T>(rq: Rq, what: string, result: Loaded<T>, render: (value: T) => HtmlValue): SafeHtml {
  return result.ok ? html`${render(result.value)}` : loadFailed(rq, what, result.reason);
}

/**
 * A lookup that only adds to the page (suggestions, highlighting, a hint): when it fails the page
 * goes on without it and says why, in a quieter note than a failed section.
 */
export function degraded(text: string): SafeHtml {
  return html`<p class="reason degraded" role="status">${text}</p>`;
}

/** The reason of a failed lookup, or undefined when it succeeded. */
export function reasonOf(result: Loaded<unknown>): string | undefined {
  return result.ok ? undefined : result.reason;
}
