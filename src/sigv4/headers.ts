// Request headers as SigV4 sees them: from Node's rawHeaders, names lower-cased, repeated headers kept
// in arrival order, values trimmed with inner whitespace runs collapsed to one space.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request

/** Lower-cased header name → its values in arrival order (raw, untrimmed). */
export type HeaderMap = Map<string, string[]>;

/** Build the header map from Node's IncomingMessage.rawHeaders ([name, value, name, value, …]). */
export function headerMap(rawHeaders: readonly unknown[]): HeaderMap | undefined {
  const map: HeaderMap = new Map();
  if (!Array.isArray(rawHeaders) || rawHeaders.length % 2 !== 0) return undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const value = rawHeaders[i + 1];
    if (typeof name !== 'string' || typeof value !== 'string') return undefined;
    const lower = name.toLowerCase();
    const list = map.get(lower);
    if (list === undefined) map.set(lower, [value]);
    else list.push(value);
  }
  return map;
}

// JavaScript's \s, as the SDK signer (@smithy/signature-v4) uses for trimming and collapsing.
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    (c > 0xff && (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff))
  );
}

/** Trim a header value and collapse each inner run of whitespace to a single space. */
export function canonicalHeaderValue(value: string): string {
  // Fast path, the usual header: visible ASCII with at most single inner spaces.
  const last = value.length - 1;
  let plain = last >= 0;
  for (let i = 0; i <= last; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) continue;
    if (c === 0x20 && i > 0 && i < last && value.charCodeAt(i + 1) !== 0x20) continue;
    plain = false;
    break;
  }
  if (plain) return value;
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  // Fast path: no whitespace other than single spaces inside.
  let clean = true;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (isSpace(c) && (c !== 0x20 || isSpace(value.charCodeAt(i + 1)))) {
      clean = false;
      break;
    }
  }
  if (clean) return start === 0 && end === value.length ? value : value.slice(start, end);
  let out = '';
  let inSpace = false;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (isSpace(c)) {
      inSpace = true;
    } else {
      if (inSpace) out += ' ';
      inSpace = false;
      out += value[i];
    }
  }
  return out;
}

/** Canonical value of a (possibly repeated) header: each value canonicalized, joined with ','. */
export function joinedHeaderValue(values: readonly string[]): string {
  if (values.length === 1) return canonicalHeaderValue(values[0]!);
  let out = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += canonicalHeaderValue(values[i]!);
  }
  return out;
}
