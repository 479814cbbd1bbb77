// Decisions kept only as long as iamd allowed (CacheTtlSeconds), under a key that is a SHA-256 of
// the exact signed material and the question asked: the signature, the session token and every
// header are hashed, never kept in clear. Bounded: the oldest entries go first.
import type { SignedRequestMaterial } from './material.ts';
import { sha256Hex } from './material.ts';

export interface CacheQuestion {
  action: string;
  resource: string;
  context?: Record<string, string[]>;
  resourcePolicy?: string;
}

export function cacheKey(material: SignedRequestMaterial, question: CacheQuestion): string {
  const headers = Object.keys(material.Headers)
    .sort()
    .map((name) => [name, material.Headers[name]]);
  const context = question.context
    ? Object.keys(question.context)
        .sort()
        .map((k) => [k, question.context![k]])
    : null;
  return sha256Hex(
    JSON.stringify([
      material.Method,
      material.Path,
      material.Query ?? null,
      headers,
      material.PayloadHash,
      material.SourceIp ?? null,
      question.action,
      question.resource,
      context,
      question.resourcePolicy ?? null,
    ]),
  );
}

export class DecisionCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt });
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
