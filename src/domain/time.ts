// Times as AWS writes them in condition keys and records: ISO 8601 to the second.

/** `2026-11-29T18:00:00Z` (no fraction). The last second's form is kept: calls come many a second. */
export function isoSeconds(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastIso = `${d.toISOString().slice(0, 19)}Z`;
  }
  return lastIso;
}
let lastSecond = Number.NaN;
let lastIso = '';

/** isoSeconds of a time that never changes and is asked for again and again (a session's issue time). */
export function isoSecondsOnce(d: Date): string {
  let iso = fixed.get(d);
  if (iso === undefined) {
    iso = `${d.toISOString().slice(0, 19)}Z`;
    fixed.set(d, iso);
  }
  return iso;
}
const fixed = new WeakMap<Date, string>();
