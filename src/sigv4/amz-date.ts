// Request timestamps: ISO 8601 basic ("20150830T123600Z", X-Amz-Date) and HTTP IMF-fixdate (Date header).

const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (y < 100) date.setUTCFullYear(y, mo - 1, d); // Date.UTC takes years 0–99 as 1900–1999
  // Reject dates that rolled over (e.g. Feb 31).
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1) return undefined;
  return date;
}

/** The decimal number in value[from, to), or -1 unless every character there is a digit 0-9. */
function digits(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Parse "YYYYMMDDTHHMMSSZ" strictly; undefined if malformed or not a real calendar time. */
export function parseIsoBasic(value: string): Date | undefined {
  // Read by position rather than with a regular expression: it runs on every signed request.
  if (value.length !== 16 || value.charCodeAt(8) !== 0x54 || value.charCodeAt(15) !== 0x5a) return undefined;
  const y = digits(value, 0, 4);
  const mo = digits(value, 4, 6);
  const d = digits(value, 6, 8);
  const h = digits(value, 9, 11);
  const mi = digits(value, 11, 13);
  const s = digits(value, 13, 15);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return undefined;
  return utc(y, mo, d, h, mi, s);
}

/** Parse an HTTP IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT") strictly. */
export function parseHttpDate(value: string): Date | undefined {
  const m = IMF_FIXDATE.exec(value);
  if (m === null) return undefined;
  return utc(+m[3]!, MONTHS.indexOf(m[2]!) + 1, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Format as ISO 8601 basic, the form used in the string to sign and in AWS's messages. */
export function formatIsoBasic(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ, or ±YYYYYY-… outside years 0–9999
  if (iso.length !== 24) return iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}
