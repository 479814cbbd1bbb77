// Request timestamps: ISO 8601 basic ("20150830T123600Z", X-Amz-Date) and HTTP IMF-fixdate (Date header).

const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
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

/** Parse "YYYYMMDDTHHMMSSZ" strictly; undefined if malformed or not a real calendar time. */
export function parseIsoBasic(value: string): Date | undefined {
  const m = ISO_BASIC.exec(value);
  if (m === null) return undefined;
  return utc(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
}

/** Parse an HTTP IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT") strictly. */
export function parseHttpDate(value: string): Date | undefined {
  const m = IMF_FIXDATE.exec(value);
  if (m === null) return undefined;
  return utc(+m[3], MONTHS.indexOf(m[2]) + 1, +m[1], +m[4], +m[5], +m[6]);
}

/** Format as ISO 8601 basic, the form used in the string to sign and in AWS's messages. */
export function formatIsoBasic(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ, or ±YYYYYY-… outside years 0–9999
  if (iso.length !== 24) return iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}
