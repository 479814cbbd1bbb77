// Small words that depend on a number or an API value: "1 hour" / "2 hours" (一時間 has no
// plural), and an access key's status in the page's language.
import type { Rq } from './core.ts';

export function hoursText(rq: Rq, n: number | string): string {
  return Number(n) === 1 ? rq.t('fix.hour') : rq.t('fix.hours', { n });
}

/** An access key's Status (Active, Inactive) in the page's language; anything else as given. */
export function keyStatusText(rq: Rq, status: string | undefined): string {
  return status === 'Active' ? rq.t('fix.status.Active') : status === 'Inactive' ? rq.t('fix.status.Inactive') : (status ?? '');
}
