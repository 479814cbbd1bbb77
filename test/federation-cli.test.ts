// The README's federation examples with the aws CLI, as a user types them: the account's issuer
// enabled, an `iamd exec` workload getting a web identity token that a jose verifier accepts, and
// the CLI's error paths (disabled twice, a token while disabled).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient, startTestApp } from './helpers.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

describe('aws CLI: outbound web identity federation', () => {
  let app: App;
  let dir: string;
  const env = () => ({
    AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: app.url,
    // aws CLI v1 fetches a parameter that looks like a URL (the audience) unless told not to.
    AWS_CONFIG_FILE: join(dir, 'config'),
  });
  const aws = (...args: string[]) => run('aws', [...args, '--output', 'json'], env());

  before(async () => {
    app = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'iamd-fed-cli-'));
    writeFileSync(join(dir, 'config'), '[default]\ncli_follow_urlparam = false\n');
    const iam = iamClient(app);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'web-app', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const mayGetTokens = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetWebIdentityToken', Resource: '*' }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'web-app', PolicyName: 'tokens', PolicyDocument: JSON.stringify(mayGetTokens) }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-app' }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-app', RoleName: 'web-app' }));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  test('enable, then a workload of `iamd exec` gets a token for its audience that verifies against the issuer', async () => {
    const enabled = await aws('iam', 'enable-outbound-web-identity-federation');
    assert.equal(enabled.code, 0, enabled.stderr);
    const issuer = JSON.parse(enabled.stdout).IssuerIdentifier as string;
    assert.match(issuer, new RegExp(`^${app.url}/oidc/[0-9a-f-]{36}$`));
    const info = await aws('iam', 'get-outbound-web-identity-federation-info');
    assert.deepEqual(JSON.parse(info.stdout), { IssuerIdentifier: issuer, JwtVendingEnabled: true });

    const exec = await run(
      process.execPath,
      [
        ...[...IAMD, 'exec', '--instance-profile', 'web-app', '--name', 'api-1', '--'],
        ...['aws', 'sts', 'get-web-identity-token', '--audience', 'https://api.example.com', '--signing-algorithm', 'ES384', '--output', 'json'],
      ],
      env(),
    );
    assert.equal(exec.code, 0, exec.stderr);
    const token = JSON.parse(exec.stdout).WebIdentityToken as string;

    // The external service: the discovery document, then its JWKS, then the usual checks.
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    assert.equal(discovery.issuer, issuer);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer,
      audience: 'https://api.example.com',
    });
    assert.equal(protectedHeader.alg, 'ES384');
    assert.equal(payload.sub, `arn:aws:iam::${ACCOUNT_ID}:role/web-app`);
  });

  test('errors as the CLI shows them: a token while disabled, disabling twice', async () => {
    const disabled = await aws('iam', 'disable-outbound-web-identity-federation');
    assert.equal(disabled.code, 0, disabled.stderr);
    const token = await aws('sts', 'get-web-identity-token', '--audience', 'https://api.example.com', '--signing-algorithm', 'RS256');
    assert.notEqual(token.code, 0);
    assert.match(token.stderr, /OutboundWebIdentityFederationDisabledException/);
    const again = await aws('iam', 'disable-outbound-web-identity-federation');
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /FeatureDisabled/);
  });
});
