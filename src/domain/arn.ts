// ARNs in AWS's formats. IAM is global: ARNs have no region; the partition is the one the
// deployment serves (IAMD_PARTITION).

export type EntityKind =
  | 'user'
  | 'group'
  | 'role'
  | 'policy'
  | 'instance-profile'
  | 'mfa'
  | 'oidc-provider'
  | 'saml-provider'
  | 'server-certificate'
  | 'signing-certificate'
  | 'ssh-public-key';

/** `arn:PARTITION:iam::ACCOUNT:user/PATH/NAME` (the path keeps its slashes). */
export function iamArn(partition: string, account: string, kind: EntityKind, path: string, name: string): string {
  return `arn:${partition}:iam::${account}:${kind}${path}${name}`;
}

export function rootArn(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:root`;
}

export function assumedRoleArn(partition: string, account: string, roleName: string, sessionName: string): string {
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const [prefix, partition, service, region, account, ...resource] = arn.split(':');
  if (prefix !== 'arn' || account === undefined || resource.length === 0) return undefined;
  return { partition: partition!, service: service!, region: region!, account, resource: resource.join(':') };
}

/** Splits `arn:aws:iam::ACCOUNT:policy/PATH/NAME` into its path and name. */
export function parsePolicyArn(arn: string): { partition: string; account: string; path: string; name: string } | undefined {
  const m = /^arn:([\w-]+):iam::(aws|\d{12}):policy(\/(?:.*\/)?)([^/]+)$/.exec(arn);
  if (!m) return undefined;
  // Every group of the pattern takes part in a match.
  return { partition: m[1]!, account: m[2]!, path: m[3]!, name: m[4]! };
}
