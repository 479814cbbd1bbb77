// Every ARN a request names (policy, role, boundary, principal, MFA device and session-policy ARNs)
// must be in the partition this deployment serves. Otherwise `arn:aws-cn:…` would name the same
// stored policy as `arn:aws:…` while the policies that guard it match only one of the two.
// The members to check come from the service model: every string of shape `arnType`, and MFA
// serial numbers when they are ARNs (a hardware device's serial is not).
import { awsError } from '../../errors/messages.ts';
import type { ServiceModel, Shape } from './service-model.ts';

// iamd's own: the authorization API's resource ARNs, and the ARNs (or prefixes) of stored resource policies.
const ARN_SHAPES = new Set(['arnType', 'serialNumberType', 'protectedResourceArnType', 'resourcePolicyArnType']);

/** How to reach the ARNs inside a value of one shape; `undefined` when it holds none. */
type Finder = (value: unknown, found: (arn: string) => void) => void;

const finders = new WeakMap<ServiceModel, Map<string, Finder | undefined>>();

function finderFor(model: ServiceModel, shapeName: string, building: Set<string> = new Set()): Finder | undefined {
  let cache = finders.get(model);
  if (!cache) {
    cache = new Map();
    finders.set(model, cache);
  }
  if (cache.has(shapeName)) return cache.get(shapeName);
  if (building.has(shapeName)) return undefined; // a recursive shape: its ARNs are reached from the outer visit
  building.add(shapeName);
  const finder = buildFinder(model, model.shapes[shapeName], shapeName, building);
  building.delete(shapeName);
  cache.set(shapeName, finder);
  return finder;
}

function buildFinder(model: ServiceModel, shape: Shape | undefined, shapeName: string, building: Set<string>): Finder | undefined {
  if (!shape) return undefined;
  if (shape.type === 'string') {
    if (!ARN_SHAPES.has(shapeName)) return undefined;
    return (value, found) => {
      if (typeof value === 'string') found(value);
    };
  }
  if (shape.type === 'list' && shape.member) {
    const item = finderFor(model, shape.member.shape, building);
    if (!item) return undefined;
    return (value, found) => {
      if (Array.isArray(value)) for (const v of value) item(v, found);
    };
  }
  if (shape.type === 'structure') {
    const members: [string, Finder][] = [];
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const f = finderFor(model, ref.shape, building);
      if (f) members.push([name, f]);
    }
    if (members.length === 0) return undefined;
    return (value, found) => {
      if (typeof value !== 'object' || value === null) return;
      for (const [name, f] of members) {
        const v = (value as Record<string, unknown>)[name];
        if (v !== undefined) f(v, found);
      }
    };
  }
  return undefined;
}

/**
 * Refuses a decoded input that names an ARN of another partition, with AWS's error
 * (ValidationError "Invalid ARN partition"). Strings that are no ARN are left to the handler.
 */
export function checkInputArns(model: ServiceModel, inputShape: string | undefined, input: unknown, partition: string): void {
  if (!inputShape) return;
  const finder = finderFor(model, inputShape);
  if (!finder) return;
  finder(input, (value) => {
    if (!value.startsWith('arn:')) return;
    const end = value.indexOf(':', 4);
    if (end < 0) return;
    if (value.slice(4, end) !== partition) throw awsError('arnPartitionInvalid');
  });
}
