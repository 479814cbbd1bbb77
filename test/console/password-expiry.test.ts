// The account password policy's MaxPasswordAge at console sign-in: an expired password must be
// changed before anything else; with HardExpiry the sign-in fails (an administrator resets it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand, UpdateAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { ConsoleClient, startConsoleApp } from './support.ts';

test('expired passwords: forced change, or refused with HardExpiry', async () => {
  let now = new Date();
  const app = await startConsoleApp({}, () => now);
  try {
    const iam = iamClient(app);
    for (const name of ['old-timer', 'hard-case']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Old-Passw0rd!x' }));
    }
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, MaxPasswordAge: 1, AllowUsersToChangePassword: true }));
    const fresh = new ConsoleClient(app.url);
    assert.equal((await fresh.signIn(ACCOUNT_ID, 'user', 'old-timer', 'Old-Passw0rd!x')).location, '/console/iam');

    now = new Date(now.getTime() + 2 * 86_400_000); // two days later: older than MaxPasswordAge
    const expired = new ConsoleClient(app.url);
    const r = await expired.signIn(ACCOUNT_ID, 'user', 'old-timer', 'Old-Passw0rd!x');
    assert.equal(r.location, '/console/iam/change-password');
    assert.equal((await expired.get('/console/iam/users')).location, '/console/iam/change-password');

    now = new Date(); // API requests are signed with the real time
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, MaxPasswordAge: 1, HardExpiry: true }));
    now = new Date(now.getTime() + 2 * 86_400_000);
    const hard = new ConsoleClient(app.url);
    const refused = await hard.signIn(ACCOUNT_ID, 'user', 'hard-case', 'Old-Passw0rd!x');
    assert.equal(refused.status, 401);
  } finally {
    await app.close();
  }
});
