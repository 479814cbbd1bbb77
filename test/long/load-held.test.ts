// Long test (npm run test:long): 60 s at saturation with a mix of reads and writes against a child
// iamd — zero 5xx, and memory flat (resident size after the run within 1.5× of after warm-up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteUserCommand, GetUserCommand, ListUsersCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { iamClient, stsClient, tempDataDir } from '../helpers.ts';
import { startChild, stopChild } from '../child-process.ts';

const SECONDS = Number(process.env.IAMD_LOAD_SECONDS ?? 60);

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

test(`load held for ${SECONDS} s: no 5xx, memory flat`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const child = await startChild(tempDataDir());
  try {
    const root = iamClient(child.url);
    await root.send(new CreateUserCommand({ UserName: 'reader' }));
    await root.send(
      new PutUserPolicyCommand({
        UserName: 'reader',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }] }),
      }),
    );
    const key = (await root.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    const reader = iamClient(child.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const sts = stsClient(child.url);
    let serverErrors = 0;
    let requests = 0;
    let stop = false;
    const track = async (p: Promise<unknown>) => {
      requests++;
      try {
        await p;
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
        if (status >= 500 || status === 0) serverErrors++;
      }
    };
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        switch (i % 4) {
          case 0:
            await track(sts.send(new GetCallerIdentityCommand({})));
            break;
          case 1:
            await track(reader.send(new GetUserCommand({ UserName: 'reader' })));
            break;
          case 2:
            await track(reader.send(new ListUsersCommand({ MaxItems: 50 })));
            break;
          default:
            await track(
              root.send(new CreateUserCommand({ UserName: `load-${w}-${i}` })).then(() => root.send(new DeleteUserCommand({ UserName: `load-${w}-${i}` }))),
            );
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, Math.min(10, SECONDS / 4) * 1000));
    const warm = rssKb(child.process.pid!);
    await new Promise((r) => setTimeout(r, (SECONDS - Math.min(10, SECONDS / 4)) * 1000));
    stop = true;
    await Promise.all(workers);
    const end = rssKb(child.process.pid!);
    console.log(`load held: ${requests} requests in ${SECONDS} s, RSS ${Math.round(warm / 1024)} MiB after warm-up, ${Math.round(end / 1024)} MiB at the end`);
    assert.equal(serverErrors, 0);
    assert.ok(end <= warm * 1.5, `RSS grew from ${warm} kB to ${end} kB`);
  } finally {
    await stopChild(child);
  }
});
