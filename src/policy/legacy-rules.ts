// The element-level rules of AWS's IAM policy validator, as AWS answers them: which actions, resource
// ARNs and date condition values it accepts, and what it says when it does not. parse.ts decides the
// order in which they are reported. The expectations come from AWS responses recorded in public test
// suites (test/fixtures/policy-validation names each source).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
import { compileAction } from './action.ts';
import { MESSAGES } from './messages.ts';

/** The partitions AWS knows, for documents validated without a served partition. */
const KNOWN_PARTITIONS: ReadonlySet<string> = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']);

/** What an IAM resource's path may start with (AWS's own list, in its message's order). */
const IAM_RESOURCE_PREFIXES = [
  'user/',
  'federated-user/',
  'role/',
  'group/',
  'instance-profile/',
  'mfa/',
  'server-certificate/',
  'policy/',
  'sms-mfa/',
  'saml-provider/',
  'oidc-provider/',
  'report/',
  'access-report/',
];

/**
 * S3 resources that do carry a region: access points (AWS accepts them, recorded) and the other regional
 * resource types of S3's service authorization reference (jobs, Storage Lens, Access Grants).
 */
const S3_REGIONAL_PREFIXES = ['accesspoint/', 'job/', 'storage-lens/', 'storage-lens-group/', 'access-grants/'];

/**
 * The colon-separated fields of an ARN. A colon inside a policy variable (`${aws:username}`) separates
 * nothing, so `arn:aws:iam::${aws:PrincipalAccount}:role/x` keeps its six fields.
 */
export function arnFields(text: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 36 /* $ */ && text.charCodeAt(i + 1) === 123 /* { */) {
      const end = text.indexOf('}', i + 2);
      if (end > 0) {
        i = end;
        continue;
      }
    }
    if (c === 58 /* : */) {
      fields.push(text.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(text.slice(start));
  return fields;
}

/** True when `partition` may stand in a policy served in `served` (every known partition when unset). */
function partitionAccepted(partition: string, served: string | undefined): boolean {
  // A pattern or a variable names no partition in particular: the match decides, not the validator.
  if (partition === '*' || /[*?]|\$\{/.test(partition)) return true;
  return served !== undefined ? partition === served : KNOWN_PARTITIONS.has(partition);
}

/** AWS quotes a resource of another partition padded to six fields with `*`. */
function paddedArn(partition: string, fields: readonly string[]): string {
  const rest = fields.length > 0 ? fields : [''];
  const service = rest[0] !== '' || rest.length > 1 ? rest[0]! : '*';
  const region = rest[1] ?? '*';
  const account = rest[2] ?? '*';
  const resource = rest.length > 3 ? rest.slice(3).join(':') : '*';
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

/**
 * AWS's message for a Resource / NotResource value it refuses outright, or `undefined`. These are
 * reported after the structural checks, and a document with one is not checked further for
 * "legacy parsing" (see `legacyResourceOk`).
 */
export function resourceFormatError(resource: string, served: string | undefined): string | undefined {
  if (resource === '*') return undefined;
  const fields = arnFields(resource);
  if (fields.length === 1) return MESSAGES.invalidResource(resource);
  // The first field is not checked: AWS reads `aws:s3:::b` as partition `s3`.
  const partition = fields[1]!;
  if (!partitionAccepted(partition, served)) return MESSAGES.wrongPartition(partition, paddedArn(partition, fields.slice(2)));
  if (fields.length === 2) return MESSAGES.VendorNotQualified;
  const service = fields[2]!;
  const resourcePart = fields.length > 5 ? fields.slice(5).join(':') : '';
  // IAM and S3 resources are global: any text (or none) where the region goes is refused.
  const region = fields.length > 3 ? fields[3] : undefined;
  if ((service === 'iam' || service === 's3') && region !== '') {
    const regional = service === 's3' && S3_REGIONAL_PREFIXES.some((p) => resourcePart.startsWith(p));
    if (!regional) return service === 'iam' ? MESSAGES.iamRegion(resource) : MESSAGES.s3Region(resource);
  }
  if (service === 'iam' && resourcePart !== '*' && resourcePart !== 'root' && !IAM_RESOURCE_PREFIXES.some((p) => resourcePart.startsWith(p)))
    return MESSAGES.IamResourcePath;
  return undefined;
}

/**
 * AWS's legacy parser accepts a short ARN (`arn:aws:fdsasf`) but not one with an empty field before its
 * sixth (`arn:aws:s3::bucket`), nor one without a service (`arn:aws::::bucket`): those fail with
 * "The policy failed legacy parsing".
 */
export function legacyResourceOk(resource: string): boolean {
  if (resource === '*') return true;
  let colons = 0;
  for (let i = 0; i < resource.length; i++) if (resource.charCodeAt(i) === 58) colons++;
  if (colons < 5 && resource.includes('::')) return false;
  const fields = arnFields(resource);
  return fields.length > 2 && fields[2] !== '';
}

/** AWS's message for an Action / NotAction value, or `undefined` when the action is well formed. */
export function actionError(action: string): string | undefined {
  if (action === '*') return undefined;
  const parts = action.split(':');
  if (parts.length === 1) return MESSAGES.MissingVendor;
  if (parts.length > 2) return MESSAGES.OneColon;
  // Only the vendor is constrained: letters, digits, `-` and `.` (`s3.s:ListBucket` is accepted), or `*`.
  const vendor = parts[0]!;
  if (vendor !== '*' && /[^A-Za-z0-9.-]/.test(vendor)) return MESSAGES.vendorInvalid(vendor);
  return undefined;
}

/** The actions a role's trust policy may allow (AWS: "AssumeRole policy may only specify STS AssumeRole actions."). */
const TRUST_ACTIONS = [
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
  'sts:setcontext',
];

/** True when a trust policy may name `action`: one of the AssumeRole family, or a pattern matching one. */
export function trustActionOk(action: string): boolean {
  const lower = action.toLowerCase();
  if (!/[*?]/.test(lower)) return TRUST_ACTIONS.includes(lower);
  const matches = compileAction(lower);
  return TRUST_ACTIONS.some((a) => matches(a));
}

const DIGITS = /^\d+$/;
const EPOCH_MAX = 9223372036854775807n;

function inRange(text: string | undefined, min: number, max: number): boolean {
  if (text === undefined || !DIGITS.test(text)) return false;
  const n = Number(text);
  return n >= min && n <= max;
}

/** `hh[:mm[:ss[.fraction]]]` after the `T`, then `Z` or an offset `±hh[:mm]`. */
function timeOk(time: string): boolean {
  if (time === '') return true;
  let clock = time;
  if (clock.endsWith('z')) clock = clock.slice(0, -1);
  else {
    const sign = Math.max(clock.lastIndexOf('+'), clock.lastIndexOf('-'));
    if (sign >= 0) {
      const offset = clock.slice(sign + 1).split(':');
      if (offset.length > 2 || offset[0]!.length !== 2 || !inRange(offset[0], 0, 23)) return false;
      if (offset.length === 2 && (offset[1]!.length !== 2 || !inRange(offset[1], 0, 59))) return false;
      clock = clock.slice(0, sign);
    }
  }
  const [hours, minutes, seconds, ...extra] = clock.split(':');
  if (extra.length > 0 || !inRange(hours, 0, 23)) return false;
  if (minutes !== undefined && !inRange(minutes, 0, 59)) return false;
  if (seconds === undefined) return true;
  const [whole, fraction, ...more] = seconds.split('.');
  if (more.length > 0 || !inRange(whole, 0, 59)) return false;
  return fraction === undefined || (DIGITS.test(fraction) && Number(fraction) <= 999_999_999);
}

/**
 * Whether AWS's legacy parser reads a Date condition value: an ISO 8601 date or date-time (years
 * -292275054 to 292278993, fractions of up to nine digits), or epoch seconds up to 2^63-1. Other values
 * fail with "The policy failed legacy parsing".
 */
export function legacyDateOk(value: string): boolean {
  const v = value.toLowerCase();
  if (!v.includes('t') && !v.includes('-')) return DIGITS.test(v) && BigInt(v) <= EPOCH_MAX;
  const at = v.indexOf('t');
  const date = at < 0 ? v : v.slice(0, at);
  const time = at < 0 ? '' : v.slice(at + 1);
  const negative = date.startsWith('-');
  const [year, month, day, ...extra] = (negative ? date.slice(1) : date).split('-');
  if (extra.length > 0 || year === undefined || !DIGITS.test(year)) return false;
  const y = Number(year) * (negative ? -1 : 1);
  if (y < -292275054 || y > 292278993) return false;
  if (month !== undefined && !inRange(month, 1, 12)) return false;
  if (day !== undefined && !inRange(day, 1, 31)) return false;
  return timeOk(time);
}
