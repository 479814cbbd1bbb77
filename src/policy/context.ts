// Case-insensitive view of a request context, cached per context object, and the missing-key recorder.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html ("Condition key names are not case-sensitive")
import type { RequestContext } from './types.ts';

/** Context values keyed by lower-cased key. */
export interface ContextView {
  get(keyLower: string): string | readonly string[] | undefined;
  has(keyLower: string): boolean;
}

const views = new WeakMap<object, ContextView>();

/** Contexts made by contextWith: their base and the keys added to it. */
const layers = new WeakMap<object, { base: RequestContext; extra: RequestContext }>();

/** A view of a context made of a base's view and a few keys over it (which win). */
class LayeredView implements ContextView {
  constructor(
    private readonly top: ContextView,
    private readonly base: ContextView,
  ) {}
  get(keyLower: string): string | readonly string[] | undefined {
    const v = this.top.get(keyLower);
    return v !== undefined ? v : this.base.get(keyLower);
  }
  has(keyLower: string): boolean {
    return this.top.has(keyLower) || this.base.has(keyLower);
  }
}

/**
 * `base` with `extra`'s keys added (theirs win): a new context whose view reuses base's, so the
 * questions of one request that each add a key or two (an Authorize's `orders:Amount`) fold the
 * request's dozen global keys once, not once per question. INVARIANT: neither is mutated afterwards.
 */
export function contextWith(base: RequestContext, extra: RequestContext): RequestContext {
  const ctx = Object.assign({}, base, extra);
  layers.set(ctx, { base, extra });
  return ctx;
}

/**
 * The lower-cased view of `ctx`. Built once per context object and cached (weakly), so a context passed to
 * many evaluations is folded once. INVARIANT: `ctx` itself is never mutated.
 */
export function contextView(ctx: RequestContext): ContextView {
  let view = views.get(ctx);
  if (view === undefined) {
    const layered = layers.get(ctx);
    view = layered ? new LayeredView(fold(layered.extra), contextView(layered.base)) : fold(ctx);
    views.set(ctx, view);
  }
  return view;
}

function fold(ctx: RequestContext): Map<string, string | readonly string[]> {
  const map = new Map<string, string | readonly string[]>();
  for (const key in ctx) {
    if (Object.hasOwn(ctx, key)) map.set(key.toLowerCase(), ctx[key]!);
  }
  return map;
}

let missingSink: Set<string> | null = null;

/** Starts (or with `null`, stops) recording the context keys that policies looked up and did not find. */
export function recordMissingKeys(sink: Set<string> | null): void {
  missingSink = sink;
}

/** Notes that `keyLower` was needed but absent from the request context. */
export function noteMissing(keyLower: string): void {
  if (missingSink !== null) missingSink.add(keyLower);
}
