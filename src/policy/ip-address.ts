// IPv4 and IPv6 addresses and CIDR ranges, parsed without RegExp.

/** An address as four 32-bit words (IPv4 uses only the last word). */
export interface IpAddress {
  readonly v6: boolean;
  readonly words: Uint32Array;
}

/** A CIDR range (a plain address is a /32 or /128). */
export interface IpRange extends IpAddress {
  readonly prefix: number;
}

function parseV4(text: string, start: number, end: number): number {
  let value = 0;
  let octet = -1;
  let parts = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : text.charCodeAt(i); // treat the end as a final '.'
    if (c === 46) {
      if (octet < 0) return -1;
      value = value * 256 + octet;
      parts++;
      octet = -1;
    } else if (c >= 48 && c <= 57) {
      octet = octet < 0 ? c - 48 : octet * 10 + (c - 48);
      if (octet > 255) return -1;
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

function parseV6(text: string, out: Uint32Array): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out16: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseV4(p, 0, p.length);
        if (v4 < 0) return null;
        out16.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out16.push(parseInt(p, 16));
      }
    }
    return out16;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return false;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return false;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  for (let i = 0; i < 4; i++) out[i] = ((all[2 * i]! << 16) | all[2 * i + 1]!) >>> 0;
  return true;
}

/** Parses an IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | undefined {
  const words = new Uint32Array(4);
  if (text.includes(':')) return parseV6(text, words) ? { v6: true, words } : undefined;
  const v4 = parseV4(text, 0, text.length);
  if (v4 < 0) return undefined;
  words[3] = v4;
  return { v6: false, words };
}

/** Parses `a.b.c.d/n`, `x::y/n` or a plain address. */
export function parseRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === undefined) return undefined;
  const max = ip.v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return undefined;
    prefix = Number(p);
  }
  return { ...ip, prefix };
}

/** True when `ip` lies in `range` (an IPv4 address is never in an IPv6 range and vice versa). */
export function inRange(ip: IpAddress, range: IpRange): boolean {
  if (ip.v6 !== range.v6) return false;
  let bits = range.v6 ? range.prefix : range.prefix + 96;
  for (let i = 0; i < 4 && bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((ip.words[i]! & mask) >>> 0 !== (range.words[i]! & mask) >>> 0) return false;
  }
  return true;
}

// Request addresses repeat; keep a small memo so the hot path does not re-parse.
const memo = new Map<string, IpAddress | null>();
/** Parses a request's address, memoised. */
export function requestIp(text: string): IpAddress | undefined {
  let v = memo.get(text);
  if (v === undefined) {
    if (memo.size >= 1024) memo.clear();
    v = parseIp(text) ?? null;
    memo.set(text, v);
  }
  return v ?? undefined;
}
