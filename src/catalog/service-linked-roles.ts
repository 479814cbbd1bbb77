// Service-linked roles as AWS publishes them, per service principal: the role's name, the AWS
// managed policies AWS attaches to it, and whether CreateServiceLinkedRole accepts a CustomSuffix.
// Data, not rules: each row is what the service's "Using service-linked roles" page says (and what
// CreateServiceLinkedRole answers). A service missing here gets AWS's naming convention
// (serviceLinkedRoleFor below). Every policy ARN must be in the shipped AWS managed policy
// catalogue (./aws-managed-policies.ts): test/exactness.test.ts checks it.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-services-that-work-with-iam.html

export interface ServiceLinkedRoleSpec {
  /** The role's name (AWS adds `_` and the CustomSuffix when one is given and allowed). */
  roleName: string;
  /** AWS managed policies attached to the role (ARNs in the `aws` partition). */
  policies: readonly string[];
  /** Whether AWS accepts CustomSuffix for this service. */
  suffixAllowed: boolean;
}

const P = 'arn:aws:iam::aws:policy/aws-service-role/';

/** [service principal, role name, policy names under /aws-service-role/, custom suffix allowed] */
const ROWS: readonly (readonly [string, string, readonly string[], boolean])[] = [
  ['accountdiscovery.ssm.amazonaws.com', 'AWSServiceRoleForAmazonSSM_AccountDiscovery', ['AWSSystemsManagerAccountDiscoveryServicePolicy'], false],
  ['access-analyzer.amazonaws.com', 'AWSServiceRoleForAccessAnalyzer', ['AccessAnalyzerServiceRolePolicy'], false],
  ['acm.amazonaws.com', 'AWSServiceRoleForCertificateManager', ['CertificateManagerServiceRolePolicy'], false],
  ['appmesh.amazonaws.com', 'AWSServiceRoleForAppMesh', ['AWSAppMeshServiceRolePolicy'], false],
  ['autoscaling-plans.amazonaws.com', 'AWSServiceRoleForAutoScalingPlans_EC2AutoScaling', ['AWSAutoScalingPlansEC2AutoScalingPolicy'], false],
  ['autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling', ['AutoScalingServiceRolePolicy'], true],
  ['backup.amazonaws.com', 'AWSServiceRoleForBackup', ['AWSBackupServiceLinkedRolePolicyForBackup'], false],
  ['batch.amazonaws.com', 'AWSServiceRoleForBatch', ['BatchServiceRolePolicy'], false],
  [
    'cassandra.application-autoscaling.amazonaws.com',
    'AWSServiceRoleForApplicationAutoScaling_CassandraTable',
    ['AWSApplicationAutoscalingCassandraTablePolicy'],
    false,
  ],
  ['cks.kms.amazonaws.com', 'AWSServiceRoleForKeyManagementServiceCustomKeyStores', ['AWSKeyManagementServiceCustomKeyStoresServiceRolePolicy'], false],
  ['cloudtrail.amazonaws.com', 'AWSServiceRoleForCloudTrail', ['CloudTrailServiceRolePolicy'], false],
  ['codestar-notifications.amazonaws.com', 'AWSServiceRoleForCodeStarNotifications', ['AWSCodeStarNotificationsServiceRolePolicy'], false],
  ['config.amazonaws.com', 'AWSServiceRoleForConfig', ['AWSConfigServiceRolePolicy'], false],
  ['connect.amazonaws.com', 'AWSServiceRoleForAmazonConnect', ['AmazonConnectServiceLinkedRolePolicy'], true],
  ['controltower.amazonaws.com', 'AWSServiceRoleForAWSControlTower', ['AWSControlTowerAccountServiceRolePolicy'], false],
  ['devops-guru.amazonaws.com', 'AWSServiceRoleForDevOpsGuru', ['AmazonDevOpsGuruServiceRolePolicy'], false],
  ['dms.amazonaws.com', 'AWSServiceRoleForDMSServerless', ['AWSDMSServerlessServiceRolePolicy'], false],
  ['docdb-elastic.amazonaws.com', 'AWSServiceRoleForDocDB-Elastic', ['AmazonDocDB-ElasticServiceRolePolicy'], false],
  [
    'dynamodb.application-autoscaling.amazonaws.com',
    'AWSServiceRoleForApplicationAutoScaling_DynamoDBTable',
    ['AWSApplicationAutoscalingDynamoDBTablePolicy'],
    false,
  ],
  [
    'ec2.application-autoscaling.amazonaws.com',
    'AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest',
    ['AWSApplicationAutoscalingEC2SpotFleetRequestPolicy'],
    false,
  ],
  ['ecr.amazonaws.com', 'AWSServiceRoleForECRTemplate', ['ECRTemplateServiceRolePolicy'], false],
  ['ecs.amazonaws.com', 'AWSServiceRoleForECS', ['AmazonECSServiceRolePolicy'], false],
  ['ecs.application-autoscaling.amazonaws.com', 'AWSServiceRoleForApplicationAutoScaling_ECSService', ['AWSApplicationAutoscalingECSServicePolicy'], false],
  ['eks-connector.amazonaws.com', 'AWSServiceRoleForAmazonEKSConnector', ['AmazonEKSConnectorServiceRolePolicy'], false],
  ['eks-fargate.amazonaws.com', 'AWSServiceRoleForAmazonEKSForFargate', ['AmazonEKSForFargateServiceRolePolicy'], false],
  ['eks-nodegroup.amazonaws.com', 'AWSServiceRoleForAmazonEKSNodegroup', ['AWSServiceRoleForAmazonEKSNodegroup'], false],
  ['eks.amazonaws.com', 'AWSServiceRoleForAmazonEKS', ['AmazonEKSServiceRolePolicy'], false],
  ['elasticache.amazonaws.com', 'AWSServiceRoleForElastiCache', ['ElastiCacheServiceRolePolicy'], false],
  ['elasticbeanstalk.amazonaws.com', 'AWSServiceRoleForElasticBeanstalk', ['AWSElasticBeanstalkServiceRolePolicy'], false],
  ['elasticfilesystem.amazonaws.com', 'AWSServiceRoleForAmazonElasticFileSystem', ['AmazonElasticFileSystemServiceRolePolicy'], false],
  ['elasticloadbalancing.amazonaws.com', 'AWSServiceRoleForElasticLoadBalancing', ['AWSElasticLoadBalancingServiceRolePolicy'], false],
  ['elasticmapreduce.amazonaws.com', 'AWSServiceRoleForEMRCleanup', ['AmazonEMRCleanupPolicy'], false],
  ['emr-containers.amazonaws.com', 'AWSServiceRoleForAmazonEMRContainers', ['AmazonEMRContainersServiceRolePolicy'], false],
  // "Custom suffix is not allowed for es.amazonaws.com", as AWS answers it.
  ['es.amazonaws.com', 'AWSServiceRoleForAmazonElasticsearchService', ['AmazonElasticsearchServiceRolePolicy'], false],
  ['events.amazonaws.com', 'AWSServiceRoleForCloudWatchEvents', ['CloudWatchEventsServiceRolePolicy'], false],
  ['fis.amazonaws.com', 'AWSServiceRoleForFIS', ['AmazonFISServiceRolePolicy'], false],
  ['globalaccelerator.amazonaws.com', 'AWSServiceRoleForGlobalAccelerator', ['AWSGlobalAcceleratorSLRPolicy'], false],
  ['grafana.amazonaws.com', 'AWSServiceRoleForAmazonGrafana', ['AmazonGrafanaServiceLinkedRolePolicy'], false],
  ['guardduty.amazonaws.com', 'AWSServiceRoleForAmazonGuardDuty', ['AmazonGuardDutyServiceRolePolicy'], false],
  ['imagebuilder.amazonaws.com', 'AWSServiceRoleForImageBuilder', ['AWSServiceRoleForImageBuilder'], false],
  ['inspector2.amazonaws.com', 'AWSServiceRoleForAmazonInspector2', ['AmazonInspector2ServiceRolePolicy'], false],
  ['kafka.amazonaws.com', 'AWSServiceRoleForKafka', ['KafkaServiceRolePolicy'], false],
  ['kafkaconnect.amazonaws.com', 'AWSServiceRoleForKafkaConnect', ['KafkaConnectServiceRolePolicy'], false],
  ['lakeformation.amazonaws.com', 'AWSServiceRoleForLakeFormationDataAccess', ['LakeFormationDataAccessServiceRolePolicy'], false],
  [
    'lambda.application-autoscaling.amazonaws.com',
    'AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency',
    ['AWSApplicationAutoscalingLambdaConcurrencyPolicy'],
    false,
  ],
  ['lexv2.amazonaws.com', 'AWSServiceRoleForLexV2Bots', ['AmazonLexV2BotPolicy'], true],
  ['macie.amazonaws.com', 'AWSServiceRoleForAmazonMacie', ['AmazonMacieServiceRolePolicy'], false],
  ['memorydb.amazonaws.com', 'AWSServiceRoleForMemoryDB', ['MemoryDBServiceRolePolicy'], false],
  ['mq.amazonaws.com', 'AWSServiceRoleForAmazonMQ', ['AmazonMQServiceRolePolicy'], false],
  ['mrk.kms.amazonaws.com', 'AWSServiceRoleForKeyManagementServiceMultiRegionKeys', ['AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy'], false],
  ['observability.aoss.amazonaws.com', 'AWSServiceRoleForAmazonOpenSearchServerless', ['AmazonOpenSearchServerlessServiceRolePolicy'], false],
  ['opensearchservice.amazonaws.com', 'AWSServiceRoleForAmazonOpenSearchService', ['AmazonOpenSearchServiceRolePolicy'], false],
  ['ops.apigateway.amazonaws.com', 'AWSServiceRoleForAPIGateway', ['APIGatewayServiceRolePolicy'], false],
  ['organizations.amazonaws.com', 'AWSServiceRoleForOrganizations', ['AWSOrganizationsServiceTrustPolicy'], false],
  ['pullthroughcache.ecr.amazonaws.com', 'AWSServiceRoleForECRPullThroughCache', ['AWSECRPullThroughCache_ServiceRolePolicy'], false],
  ['ram.amazonaws.com', 'AWSServiceRoleForResourceAccessManager', ['AWSResourceAccessManagerServiceRolePolicy'], false],
  ['rds.amazonaws.com', 'AWSServiceRoleForRDS', ['AmazonRDSServiceRolePolicy'], false],
  ['rds.application-autoscaling.amazonaws.com', 'AWSServiceRoleForApplicationAutoScaling_RDSCluster', ['AWSApplicationAutoscalingRDSClusterPolicy'], false],
  ['redshift.amazonaws.com', 'AWSServiceRoleForRedshift', ['AmazonRedshiftServiceLinkedRolePolicy'], false],
  ['replication.cassandra.amazonaws.com', 'AWSServiceRoleForKeyspacesReplication', ['KeyspacesReplicationServiceRolePolicy'], false],
  ['replication.ecr.amazonaws.com', 'AWSServiceRoleForECRReplication', ['ECRReplicationServiceRolePolicy'], false],
  ['replicator.lambda.amazonaws.com', 'AWSServiceRoleForLambdaReplicator', ['AWSLambdaReplicator'], false],
  ['resource-explorer-2.amazonaws.com', 'AWSServiceRoleForResourceExplorer', ['AWSResourceExplorerServiceRolePolicy'], false],
  ['rolesanywhere.amazonaws.com', 'AWSServiceRoleForRolesAnywhere', ['AWSRolesAnywhereServicePolicy'], false],
  [
    'sagemaker.application-autoscaling.amazonaws.com',
    'AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
    ['AWSApplicationAutoscalingSageMakerEndpointPolicy'],
    false,
  ],
  ['securityhub.amazonaws.com', 'AWSServiceRoleForSecurityHub', ['AWSSecurityHubServiceRolePolicy'], false],
  ['ses.amazonaws.com', 'AWSServiceRoleForAmazonSES', ['AmazonSESServiceRolePolicy'], false],
  ['shield.amazonaws.com', 'AWSServiceRoleForAWSShield', ['AWSShieldServiceRolePolicy'], false],
  ['spot.amazonaws.com', 'AWSServiceRoleForEC2Spot', ['AWSEC2SpotServiceRolePolicy'], false],
  ['spotfleet.amazonaws.com', 'AWSServiceRoleForEC2SpotFleet', ['AWSEC2SpotFleetServiceRolePolicy'], false],
  ['ssm-incidents.amazonaws.com', 'AWSServiceRoleForIncidentManager', ['AWSIncidentManagerServiceRolePolicy'], false],
  ['ssm.amazonaws.com', 'AWSServiceRoleForAmazonSSM', ['AmazonSSMServiceRolePolicy'], false],
  ['sso.amazonaws.com', 'AWSServiceRoleForSSO', ['AWSSSOServiceRolePolicy'], false],
  ['support.amazonaws.com', 'AWSServiceRoleForSupport', ['AWSSupportServiceRolePolicy'], false],
  ['transitgateway.amazonaws.com', 'AWSServiceRoleForVPCTransitGateway', ['AWSVPCTransitGatewayServiceRolePolicy'], false],
  ['trustedadvisor.amazonaws.com', 'AWSServiceRoleForTrustedAdvisor', ['AWSTrustedAdvisorServiceRolePolicy'], false],
  ['wafv2.amazonaws.com', 'AWSServiceRoleForWAFV2Logging', ['WAFV2LoggingServiceRolePolicy'], false],
];

export const SERVICE_LINKED_ROLES: ReadonlyMap<string, ServiceLinkedRoleSpec> = new Map(
  ROWS.map(([service, roleName, policies, suffixAllowed]) => [service, { roleName, policies: policies.map((p) => P + p), suffixAllowed }]),
);

/** A service principal as CreateServiceLinkedRole accepts one: DNS labels under amazonaws.com. */
export const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;

const capitalised = (label: string) =>
  label
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/**
 * The role of a service principal: the published row, or AWS's naming convention for the others:
 * AWSServiceRoleFor + the service's label, then the labels before it (`replication.foo` →
 * FooReplication), each capitalised; no managed policy is known for them and a suffix is accepted.
 * Undefined when the text is no service principal.
 */
export function serviceLinkedRoleFor(service: string): ServiceLinkedRoleSpec | undefined {
  const known = SERVICE_LINKED_ROLES.get(service);
  if (known) return known;
  if (!SERVICE_PRINCIPAL.test(service)) return undefined;
  const labels = service.slice(0, -'.amazonaws.com'.length).split('.');
  const name = [labels[labels.length - 1]!, ...labels.slice(0, -1)].map(capitalised).join('');
  return { roleName: `AWSServiceRoleFor${name}`, policies: [], suffixAllowed: true };
}

/** The trust policy AWS gives a service-linked role: the service, and only it, may assume it. */
export function serviceLinkedTrustPolicy(service: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
}
