// An AccessDenied carries an encoded authorization message; sts:DecodeAuthorizationMessage opens
// it for callers allowed to, and refuses anything it did not issue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { DecodeAuthorizationMessageCommand } from '@aws-sdk/client-sts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp, stsClient } from './helpers.ts';

test('AccessDenied → EncodedAuthorizationMessage → DecodeAuthorizationMessage', async () => {
  const app = await startTestApp();
  try {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'dana', Tags: [{ Key: 'team', Value: 'blue' }] }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'dana',
        PolicyName: 'deny-create',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'NoCreate', Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' },
            { Effect: 'Allow', Action: 'sts:DecodeAuthorizationMessage', Resource: '*' },
          ],
        }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dana' }))).AccessKey!;
    const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };

    let encoded = '';
    try {
      await iamClient(app, creds).send(new CreateUserCommand({ UserName: 'x' }));
      assert.fail('expected AccessDenied');
    } catch (e) {
      // The SDK puts the error element's extra children on the exception itself.
      const err = e as { Code?: string; message: string; EncodedAuthorizationMessage?: string };
      assert.equal(err.Code, 'AccessDenied');
      assert.equal(
        err.message,
        `User: arn:aws:iam::${ACCOUNT_ID}:user/dana is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ACCOUNT_ID}:user/x with an explicit deny in an identity-based policy`,
      );
      encoded = err.EncodedAuthorizationMessage ?? '';
    }
    assert.ok(encoded.length > 0 && encoded.length <= 10240, `encoded message of ${encoded.length} characters`);

    const decoded = JSON.parse((await stsClient(app, creds).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }))).DecodedMessage!);
    assert.equal(decoded.allowed, false);
    assert.equal(decoded.explicitDeny, true);
    assert.equal(decoded.matchedStatements.items[0].statementId, 'NoCreate');
    assert.equal(decoded.context.action, 'iam:CreateUser');
    assert.equal(decoded.context.resource, `arn:aws:iam::${ACCOUNT_ID}:user/x`);
    assert.equal(decoded.context.principal.arn, `arn:aws:iam::${ACCOUNT_ID}:user/dana`);
    assert.ok(
      decoded.context.conditions.items.some(
        (c: { key: string; values: { items: { value: string }[] } }) => c.key === 'aws:PrincipalTag/team' && c.values.items[0]?.value === 'blue',
      ),
    );

    const tampered = await awsError(() => stsClient(app, creds).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded.slice(0, -4) + 'AAAA' })));
    assert.equal(tampered.name, 'InvalidAuthorizationMessageException');
    assert.equal(tampered.status, 400);

    // A caller without sts:DecodeAuthorizationMessage may not read it.
    await iam.send(new CreateUserCommand({ UserName: 'eve' }));
    const eveKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'eve' }))).AccessKey!;
    const denied = await awsError(() =>
      stsClient(app, { accessKeyId: eveKey.AccessKeyId!, secretAccessKey: eveKey.SecretAccessKey! }).send(
        new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }),
      ),
    );
    assert.equal(denied.name, 'AccessDenied');
  } finally {
    await app.close();
  }
});
