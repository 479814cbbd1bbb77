// Canonical URI and canonical query string of a SigV4 canonical request, from the raw request target.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request

/** Byte → 1 if it is an RFC 3986 unreserved character (A-Z a-z 0-9 - . _ ~), which SigV4 leaves as is. */
const UNRESERVED = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) UNRESERVED[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) UNRESERVED[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) UNRESERVED[c] = 1;
UNRESERVED[0x2d] = UNRESERVED[0x2e] = UNRESERVED[0x5f] = UNRESERVED[0x7e] = 1;

const HEX = '0123456789ABCDEF';
const PERCENT = new Array<string>(256);
for (let b = 0; b < 256; b++) PERCENT[b] = `%${HEX[b >> 4]}${HEX[b & 15]}`;

function isUnreservedAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e || UNRESERVED[c] === 0) return false;
  }
  return true;
}

/** AWS URI-encode of bytes: unreserved bytes kept, every other byte as %XX (upper-case hex). */
function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += UNRESERVED[b] === 1 ? String.fromCharCode(b) : PERCENT[b];
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Percent-decode a raw query component into bytes. A '%' not followed by two hex digits stays a
 * literal '%'; '+' stays a literal '+' (SigV4 signers encode a space as %20, never '+');
 * characters beyond ASCII are taken as UTF-8.
 */
export function percentDecode(raw: string): Buffer {
  if (raw.indexOf('%') === -1) return Buffer.from(raw, 'utf8');
  const src = Buffer.from(raw, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]!);
      const lo = hexValue(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Canonical (re-)encoding of one raw query key or value. */
export function canonicalQueryComponent(raw: string): string {
  return isUnreservedAscii(raw) ? raw : encodeBytes(percentDecode(raw));
}

/** Decoded text of one raw query component (for reading the X-Amz-* parameters). */
export function decodeQueryComponent(raw: string): string {
  return isUnreservedAscii(raw) ? raw : percentDecode(raw).toString('utf8');
}

export interface QueryParam {
  /** Decoded key, as the application sees it. */
  readonly key: string;
  /** Decoded value ('' for a parameter without '='). */
  readonly value: string;
  /** Canonically encoded key and value, as they enter the canonical query string. */
  readonly encodedKey: string;
  readonly encodedValue: string;
}

/** Split a raw query string (without '?') into parameters. Empty pieces ("a=1&&b=2") are skipped. */
export function parseQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (rawQuery.length === 0) return params;
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = rawQuery.length;
    if (end > start) {
      const piece = rawQuery.slice(start, end);
      const eq = piece.indexOf('=');
      const rawKey = eq === -1 ? piece : piece.slice(0, eq);
      const rawValue = eq === -1 ? '' : piece.slice(eq + 1);
      params.push({
        key: decodeQueryComponent(rawKey),
        value: decodeQueryComponent(rawValue),
        encodedKey: canonicalQueryComponent(rawKey),
        encodedValue: canonicalQueryComponent(rawValue),
      });
    }
    start = end + 1;
  }
  return params;
}

function compareParams(a: QueryParam, b: QueryParam): number {
  if (a.encodedKey !== b.encodedKey) return a.encodedKey < b.encodedKey ? -1 : 1;
  if (a.encodedValue !== b.encodedValue) return a.encodedValue < b.encodedValue ? -1 : 1;
  return 0;
}

/**
 * Canonical query string: parameters sorted by encoded key, then encoded value, joined as k=v&k=v.
 * `skip` (if given) names one decoded key left out (X-Amz-Signature in the presigned form).
 */
export function canonicalQueryString(params: readonly QueryParam[], skip?: string): string {
  if (params.length === 0) return '';
  const kept = skip === undefined ? params.slice() : params.filter((p) => p.key !== skip);
  if (kept.length > 1) kept.sort(compareParams);
  let out = '';
  for (let i = 0; i < kept.length; i++) {
    if (i > 0) out += '&';
    out += `${kept[i]!.encodedKey}=${kept[i]!.encodedValue}`;
  }
  return out;
}

/**
 * Canonical URI for every service but S3: the raw path with '.' and '..' segments resolved and
 * empty segments removed, then each segment URI-encoded once more (so an already-encoded "%20"
 * becomes "%2520", exactly as the SDK signers double-encode). An empty path is '/'.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '/' || rawPath === '') return '/';
  const segments: string[] = [];
  let start = 0;
  while (start <= rawPath.length) {
    let end = rawPath.indexOf('/', start);
    if (end === -1) end = rawPath.length;
    const seg = rawPath.slice(start, end);
    if (seg === '..') segments.pop();
    else if (seg.length > 0 && seg !== '.') segments.push(seg);
    start = end + 1;
  }
  if (segments.length === 0) return '/';
  let out = '';
  for (const seg of segments) out += `/${isUnreservedAscii(seg) ? seg : encodeBytes(Buffer.from(seg, 'utf8'))}`;
  return rawPath.endsWith('/') ? `${out}/` : out;
}
