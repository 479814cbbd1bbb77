// Records of what iamd does outside the dispatch: a workload's role credentials issued through the
// container-credentials endpoint (`iamd exec`), as CloudTrail records AssumeRole by a service
// (eventType AwsServiceEvent, the workload as invokedBy). Never the token or the credentials'
// secret: only the new session's access key id.
import { randomUUID } from 'node:crypto';
import type { Caller } from '../domain/caller.ts';
import { prepareEvent } from './event.ts';
import type { AuditRecorder } from './recorder.ts';

export interface WorkloadIssue {
  accountId: string;
  partition: string;
  roleArn: string;
  roleId: string;
  workloadId: string;
  accessKeyId: string;
  now: Date;
}

/** False when the trail is fail-closed and the record could not be written: the credentials must not be handed out. */
export async function recordWorkloadCredentials(audit: AuditRecorder | undefined, w: WorkloadIssue): Promise<boolean> {
  if (!audit) return true;
  const caller: Caller = { type: 'AssumedRole', accountId: w.accountId, partition: w.partition, arn: w.roleArn, userId: w.roleId };
  const event = prepareEvent({
    caller,
    facts: { userAgent: 'iamd-workload', secureTransport: false, region: '', now: w.now },
    service: 'sts',
    eventName: 'AssumeRole',
    requestId: randomUUID(),
    readOnly: false,
    eventType: 'AwsServiceEvent',
    requestParameters: { roleArn: w.roleArn, roleSessionName: w.workloadId },
    responseElements: { credentials: { accessKeyId: w.accessKeyId } },
    additionalEventData: { workloadId: w.workloadId },
    userIdentity: { type: 'AWSService', invokedBy: 'workloads.iamd.local' },
    username: null,
    resources: [{ type: 'AWS::IAM::Role', name: w.roleArn }],
  });
  event.accessKeyId = null;
  try {
    await audit.record(event); // a promise only when fail-closed
    return true;
  } catch (error) {
    audit.failedRecord(error, 'AssumeRole');
    return false;
  }
}
