// The credential report and the last-accessed reports (services, and Organizations' access reports).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html
import { randomUUID } from 'node:crypto';
import { awsError } from '../errors/messages.ts';
import type { IamHandlers } from '../actions/registry.ts';
import { maxItemsOf, pageArray, pageInfo } from './common.ts';
import { buildCredentialReport, CREDENTIAL_REPORT_TTL_MS } from './credential-report.ts';
import {
  accessReportArn,
  buildServiceReport,
  entitiesFor,
  JOB_RETENTION_MS,
  NOT_IN_ORGANIZATION,
  ownJob,
  permissionPolicies,
  resolveTarget,
  serviceOutput,
  type ServiceReport,
} from './last-accessed.ts';

/** Pages a list kept in its own order: the marker is the position of the page's last item. */
const position = (i: number) => String(i).padStart(10, '0');

export const reportHandlers = {
  async GenerateCredentialReport(ctx) {
    return ctx.services.store.write(async (repo) => {
      await ctx.authorize('iam:GenerateCredentialReport', '*');
      const accountId = ctx.caller.accountId;
      const now = ctx.request.now;
      const existing = await repo.getCredentialReport(accountId);
      // AWS makes a new report at most every four hours; meanwhile the last one stands.
      if (existing && now.getTime() - new Date(existing.generated_at).getTime() < CREDENTIAL_REPORT_TTL_MS) return { State: 'COMPLETE' };
      const content = await buildCredentialReport(repo, ctx.caller.partition, accountId);
      await repo.putCredentialReport({ account_id: accountId, generated_at: now.toISOString(), content });
      // iamd completes the report at once, but answers as AWS does when it starts one.
      return existing ? { State: 'STARTED' } : { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' };
    });
  },

  async GetCredentialReport(ctx) {
    return ctx.services.store.read(async (repo) => {
      await ctx.authorize('iam:GetCredentialReport', '*');
      const report = await repo.getCredentialReport(ctx.caller.accountId);
      if (!report) throw awsError('credentialReportNotPresent');
      const generatedAt = new Date(report.generated_at);
      if (ctx.request.now.getTime() - generatedAt.getTime() >= CREDENTIAL_REPORT_TTL_MS) throw awsError('credentialReportExpired');
      return { Content: Buffer.from(report.content, 'utf8'), ReportFormat: 'text/csv', GeneratedTime: generatedAt };
    });
  },

  async GenerateServiceLastAccessedDetails(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const target = await resolveTarget(repo, ctx, 'iam:GenerateServiceLastAccessedDetails', input.Arn, ['user', 'group', 'role', 'policy']);
      const now = ctx.request.now;
      const report = await buildServiceReport(repo, ctx, target, input.Granularity ?? 'SERVICE_LEVEL', now);
      await repo.deleteAccessReportJobsBefore(ctx.caller.accountId, new Date(now.getTime() - JOB_RETENTION_MS).toISOString());
      const id = randomUUID();
      await repo.insertAccessReportJob({
        id,
        account_id: ctx.caller.accountId,
        owner_arn: ctx.caller.arn,
        kind: 'service',
        created_at: now.toISOString(),
        completed_at: now.toISOString(),
        document: JSON.stringify(report),
      });
      return { JobId: id };
    });
  },

  async GetServiceLastAccessedDetails(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      await ctx.authorize('iam:GetServiceLastAccessedDetails', '*');
      const job = await ownJob(repo, ctx, input.JobId, 'service');
      const report = JSON.parse(job.document) as ServiceReport;
      // AWS sorts the services by namespace, which is also the marker's order.
      const page = pageArray(report.services, (s) => s.namespace, input.Marker, maxItemsOf(input));
      return {
        JobStatus: 'COMPLETED',
        JobType: report.granularity,
        JobCreationDate: new Date(job.created_at),
        ServicesLastAccessed: page.items.map(serviceOutput),
        JobCompletionDate: new Date(job.completed_at),
        ...pageInfo(page),
      };
    });
  },

  async GetServiceLastAccessedDetailsWithEntities(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      await ctx.authorize('iam:GetServiceLastAccessedDetailsWithEntities', '*');
      const job = await ownJob(repo, ctx, input.JobId, 'service');
      const entities = entitiesFor(JSON.parse(job.document) as ServiceReport, input.ServiceNamespace).map((e, i) => ({ e, key: position(i) }));
      const page = pageArray(entities, (x) => x.key, input.Marker, maxItemsOf(input));
      return {
        JobStatus: 'COMPLETED',
        JobCreationDate: new Date(job.created_at),
        JobCompletionDate: new Date(job.completed_at),
        EntityDetailsList: page.items.map((x) => x.e),
        ...pageInfo(page),
      };
    });
  },

  async ListPoliciesGrantingServiceAccess(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const target = await resolveTarget(repo, ctx, 'iam:ListPoliciesGrantingServiceAccess', input.Arn, ['user', 'group', 'role']);
      const policies = await permissionPolicies(repo, ctx, target);
      const namespaces = [...new Set(input.ServiceNamespaces)];
      return {
        PoliciesGrantingServiceAccess: namespaces.map((ns) => ({
          ServiceNamespace: ns,
          Policies: policies.filter((p) => p.allows.service(ns)).map((p) => p.listed),
        })),
        IsTruncated: false,
      };
    });
  },

  async GenerateOrganizationsAccessReport(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const context = input.OrganizationsPolicyId === undefined ? undefined : { 'iam:OrganizationsPolicyId': input.OrganizationsPolicyId };
      await ctx.authorize('iam:GenerateOrganizationsAccessReport', accessReportArn(ctx, input.EntityPath), context);
      const now = ctx.request.now;
      await repo.deleteAccessReportJobsBefore(ctx.caller.accountId, new Date(now.getTime() - JOB_RETENTION_MS).toISOString());
      // No iamd account is in an organization: the job fails at once, saying so.
      const id = randomUUID();
      await repo.insertAccessReportJob({
        id,
        account_id: ctx.caller.accountId,
        owner_arn: ctx.caller.arn,
        kind: 'organizations',
        created_at: now.toISOString(),
        completed_at: now.toISOString(),
        document: JSON.stringify({ entityPath: input.EntityPath, error: NOT_IN_ORGANIZATION }),
      });
      return { JobId: id };
    });
  },

  async GetOrganizationsAccessReport(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      await ctx.authorize('iam:GetOrganizationsAccessReport', '*');
      const job = await ownJob(repo, ctx, input.JobId, 'organizations');
      const { error } = JSON.parse(job.document) as { error: { Code: string; Message: string } };
      return {
        JobStatus: 'FAILED',
        JobCreationDate: new Date(job.created_at),
        JobCompletionDate: new Date(job.completed_at),
        ErrorDetails: { Code: error.Code, Message: error.Message },
      };
    });
  },
} satisfies IamHandlers;
