// Date condition operators. Values are W3C ISO 8601 dates (`2024-01-01`, `2024-01-01T10:00:00Z`,
// `…+02:00`, fractional seconds) or epoch seconds (`1700000000`, as in aws:EpochTime).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
import { comparison } from './operator-compare.ts';
import { negate } from './operator-types.ts';

const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;
const EPOCH = /^-?\d+$/;

/** Milliseconds since the epoch for a date condition value, or `undefined` when it is not a date. */
export function parseDate(text: string): number | undefined {
  if (EPOCH.test(text) && text.length !== 4) return Number(text) * 1000; // 4 digits is a year
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', tz = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 24 || Number(mi) > 59 || Number(s) > 60) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Number((frac + '000').slice(0, 3)));
  if (tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
  }
  return ms;
}

// Request dates repeat (aws:CurrentTime is shared by many requests); keep a small memo.
const memo = new Map<string, number | undefined>();
function requestDate(text: string): number | undefined {
  let v = memo.get(text);
  if (v === undefined && !memo.has(text)) {
    if (memo.size >= 1024) memo.clear();
    v = parseDate(text);
    memo.set(text, v);
  }
  return v;
}

const date = (name: string, test: (request: number, policy: number) => boolean) => comparison(name, 'a date', parseDate, requestDate, test);

export const DateEquals = date('DateEquals', (r, p) => r === p);
export const DateNotEquals = negate(DateEquals, 'DateNotEquals');
export const DateLessThan = date('DateLessThan', (r, p) => r < p);
export const DateLessThanEquals = date('DateLessThanEquals', (r, p) => r <= p);
export const DateGreaterThan = date('DateGreaterThan', (r, p) => r > p);
export const DateGreaterThanEquals = date('DateGreaterThanEquals', (r, p) => r >= p);
