// Sign-in abuse: 1,000 wrong passwords against one user never succeed, the lock engages (so even
// the right password is refused while it holds), and other users and the API stay responsive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT_ID, iamClient, stsClient } from './helpers.ts';
import { ConsoleClient, startConsoleApp } from './console/support.ts';

test('1,000 wrong passwords against one user', async () => {
  const app = await startConsoleApp();
  try {
    const iam = iamClient(app);
    for (const name of ['target', 'bystander']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Right-Passw0rd!' }));
    }
    const attacker = new ConsoleClient(app.url);
    await attacker.get(`/console/${ACCOUNT_ID}`);
    const statuses = new Map<number, number>();
    let bystanderSignIns = 0;
    let apiCalls = 0;
    const attack = (async () => {
      for (let i = 0; i < 1000; i++) {
        const r = await attacker.post(
          '/console/signin',
          { _pre: attacker.token('_pre'), kind: 'user', account: ACCOUNT_ID, name: 'target', password: `wrong-${i}` },
          { csrf: null },
        );
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        assert.notEqual(r.status, 303, `wrong password ${i} signed in`);
      }
    })();
    // Meanwhile, someone else signs in and the API answers.
    const others = (async () => {
      for (let i = 0; i < 3; i++) {
        const c = new ConsoleClient(app.url);
        const r = await c.signIn(ACCOUNT_ID, 'user', 'bystander', 'Right-Passw0rd!');
        assert.equal(r.status, 303);
        bystanderSignIns++;
        await stsClient(app).send(new GetCallerIdentityCommand({}));
        apiCalls++;
      }
    })();
    await Promise.all([attack, others]);
    assert.equal(bystanderSignIns, 3);
    assert.equal(apiCalls, 3);
    assert.equal(
      [...statuses.keys()].some((s) => s >= 500),
      false,
      `statuses: ${JSON.stringify([...statuses])}`,
    );

    // The lock holds: the right password is refused now, with the same generic answer.
    const owner = new ConsoleClient(app.url);
    const locked = await owner.signIn(ACCOUNT_ID, 'user', 'target', 'Right-Passw0rd!');
    assert.notEqual(locked.status, 303);
  } finally {
    await app.close();
  }
});
