// AWS partitions and the regions that belong to each, as botocore's endpoint data publishes them
// (partitions.json, `regionRegex`). An iamd deployment serves one partition: a credential scoped
// to a region of another one is refused, as AWS refuses it.

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** Each partition's region names (botocore partitions.json). The patterns exclude one another. */
const REGION_PATTERNS: Record<Partition, RegExp> = {
  aws: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/,
  'aws-cn': /^cn-\w+-\d+$/,
  'aws-us-gov': /^us-gov-\w+-\d+$/,
  'aws-iso': /^us-iso-\w+-\d+$/,
  'aws-iso-b': /^us-isob-\w+-\d+$/,
  'aws-iso-e': /^eu-isoe-\w+-\d+$/,
  'aws-iso-f': /^us-isof-\w+-\d+$/,
  'aws-eusc': /^eusc-(de)-\w+-\d+$/,
};

export function isPartition(name: string): name is Partition {
  return (PARTITIONS as readonly string[]).includes(name);
}

/** The partition a region name belongs to, or undefined when it is no region of any partition. */
export function partitionOfRegion(region: string): Partition | undefined {
  for (const partition of PARTITIONS) if (REGION_PATTERNS[partition].test(region)) return partition;
  return undefined;
}

/** True when `region` is a region of `partition`. */
export function isRegionOf(region: string, partition: Partition): boolean {
  return REGION_PATTERNS[partition].test(region);
}

/** The region a partition's global services (IAM, STS's global endpoint) sign for and report. */
export const DEFAULT_REGION: Record<Partition, string> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-north-1',
  'aws-us-gov': 'us-gov-west-1',
  'aws-iso': 'us-iso-east-1',
  'aws-iso-b': 'us-isob-east-1',
  'aws-iso-e': 'eu-isoe-west-1',
  'aws-iso-f': 'us-isof-south-1',
  'aws-eusc': 'eusc-de-east-1',
};
