// Case-insensitive view of a request context, cached per context object, and the missing-key recorder.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html ("Condition key names are not case-sensitive")
import type { RequestContext } from './types.ts';

/** Context values keyed by lower-cased key. */
export type ContextView = ReadonlyMap<string, string | readonly string[]>;

const views = new WeakMap<object, ContextView>();

/**
 * The lower-cased view of `ctx`. Built once per context object and cached (weakly), so a context passed to
 * many evaluations is folded once. INVARIANT: `ctx` itself is never mutated.
 */
export function contextView(ctx: RequestContext): ContextView {
  let view = views.get(ctx);
  if (view === undefined) {
    const map = new Map<string, string | readonly string[]>();
    for (const key in ctx) {
      if (Object.hasOwn(ctx, key)) map.set(key.toLowerCase(), ctx[key]!);
    }
    view = map;
    views.set(ctx, view);
  }
  return view;
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
