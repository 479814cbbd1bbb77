// iamd's own operations (models/iamd.json): the workload API, as handlers that every transport
// reaches through the one dispatch, like IAM's and STS's.
import type { IamdHandlers } from '../actions/registry.ts';
import { listWorkloads, registerWorkload, revokeWorkload } from './workloads.ts';

/** Where a workload exchanges its authorization token for its role's credentials. */
export const WORKLOAD_CREDENTIALS_PATH = '/iamd/workload-credentials';

export const workloadHandlers = {
  async RegisterWorkload(ctx, input) {
    const { workload, token } = await registerWorkload(ctx, {
      instanceProfileName: input.InstanceProfileName,
      name: input.Name,
      sessionDurationSeconds: input.SessionDurationSeconds,
      expiresInSeconds: input.ExpiresInSeconds,
    });
    return { Workload: workload, AuthorizationToken: token, CredentialsPath: WORKLOAD_CREDENTIALS_PATH };
  },

  async ListWorkloads(ctx, input) {
    return { Workloads: await listWorkloads(ctx, input.InstanceProfileName) };
  },

  async RevokeWorkload(ctx, input) {
    return { Workload: await revokeWorkload(ctx, input.WorkloadId) };
  },
} satisfies IamdHandlers;
