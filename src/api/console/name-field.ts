// The attributes of a name field (users, groups, roles): a `pattern` valid under the `v` flag
// browsers compile it with (`-` escaped in the class), a translated `title` for the browser's own
// message, and the translated messages console.js shows as you type. No `maxlength`: a name too
// long is refused with a message (the browser and the server both say "maximum N characters"),
// never cut silently.
import type { Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';

/** AWS's name characters ([\w+=,.@-]) as an HTML pattern that compiles with the `v` flag. */
export const NAME_PATTERN = '[A-Za-z0-9+=,.@_\\-]+';

export function nameAttrs(rq: Rq, max: number): SafeHtml {
  return html` pattern="${NAME_PATTERN}" title="${rq.t('fix.nameTitle', { max })}" data-validate-name="${String(max)}" \
data-msg-chars="${rq.t('fix.nameChars')}" data-msg-long="${rq.t('fix.nameTooLong', { max, n: '{n}' })}"`;
}

/** Whether `name` is a valid IAM name of at most `max` characters. */
export function validName(name: string, max: number): boolean {
  return name.length >= 1 && name.length <= max && /^[\w+=,.@-]+$/.test(name);
}
