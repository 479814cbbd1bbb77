// Signature V4 through the running server: presigned URLs, GET query requests, partitions from
// the credential scope's region, and requests that must be refused.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, ROOT_KEY, startTestApp, stsClient } from './helpers.ts';

describe('signed requests against the server', () => {
  let app: App;
  let now = new Date();
  before(async () => {
    app = await startTestApp({}, () => now);
  });
  after(() => app.close());

  function signer(service: string, region = 'us-east-1') {
    return new SignatureV4({ credentials: ROOT_KEY, region, service, sha256: Sha256 });
  }

  async function presignedUrl(query: Record<string, string>, expiresIn = 300, service = 'sts'): Promise<string> {
    const url = new URL(app.url);
    const req = await signer(service).presign(
      { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query, headers: { host: url.host } },
      { expiresIn },
    );
    const qs = new URLSearchParams(req.query as Record<string, string>).toString();
    return `${app.url}/?${qs}`;
  }

  test('a presigned GetCallerIdentity URL works with a plain GET', async () => {
    const res = await fetch(await presignedUrl({ Action: 'GetCallerIdentity', Version: '2011-06-15' }));
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.match(body, /<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/);
    assert.match(body, new RegExp(`<Arn>arn:aws:iam::${ACCOUNT_ID}:root</Arn>`));
  });

  test('a presigned URL with a changed parameter, or after it expired, is refused', async () => {
    const url = await presignedUrl({ Action: 'ListUsers', Version: '2010-05-08', MaxItems: '5' }, 60, 'iam');
    assert.equal((await fetch(url)).status, 200);
    const changed = url.replace('MaxItems=5', 'MaxItems=6');
    const tampered = await fetch(changed);
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    // A minute and a second after it was signed (by the real clock: `now` was fixed earlier).
    now = new Date(Date.now() + 61_000);
    try {
      const expired = await fetch(url);
      assert.equal(expired.status, 403);
      assert.match(await expired.text(), /expired/i);
    } finally {
      now = new Date();
    }
  });

  test('a request signed more than 15 minutes ago is refused; so is one from the future', async () => {
    for (const skew of [-16 * 60_000, 16 * 60_000]) {
      now = new Date(Date.now() - skew);
      try {
        const err = await stsClient(app)
          .send(new GetCallerIdentityCommand({}))
          .then(
            () => undefined,
            (e) => e,
          );
        assert.equal(err?.Code, 'SignatureDoesNotMatch');
        assert.match(err?.message ?? '', /Signature (expired|not yet current)/);
      } finally {
        now = new Date();
      }
    }
  });

  test('any region of the served partition signs; its ARNs stay in that partition', async () => {
    const west = await stsClient(app, ROOT_KEY, 'eu-west-3').send(new GetCallerIdentityCommand({}));
    assert.equal(west.Arn, `arn:aws:iam::${ACCOUNT_ID}:root`);
  });

  test('an unknown action and a wrong version get InvalidAction', async () => {
    for (const query of [
      { Action: 'MakeCoffee', Version: '2010-05-08' },
      { Action: 'ListUsers', Version: '1999-01-01' },
    ]) {
      const res = await fetch(await presignedUrl(query, 60, 'iam'));
      assert.equal(res.status, 400);
      assert.match(await res.text(), /<Code>InvalidAction<\/Code>/);
    }
  });

  test('a credential scoped to another service is refused', async () => {
    const res = await fetch(await presignedUrl({ Action: 'ListUsers', Version: '2010-05-08' }, 60, 's3'));
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});
