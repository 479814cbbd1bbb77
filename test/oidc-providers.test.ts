// IAM OIDC identity providers through @aws-sdk/client-iam and the aws CLI against a fresh iamd:
// every OpenIDConnectProvider operation and its errors, permissions, what is stored; and iamd's
// extension that gives a provider its JWKS directly, through its signed JSON route and its CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateUserCommand,
  DeleteOpenIDConnectProviderCommand,
  GetAccountSummaryCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListOpenIDConnectProviderTagsCommand,
  PutUserPolicyCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { exportJWK, generateKeyPair } from 'jose';
import type { App } from '../src/app.ts';
import type { OidcProviderData } from '../src/iam/oidc-provider-data.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, startTestApp, type Credentials } from './helpers.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

const arnOf = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${name}`;
const THUMB_A = '9E99A48A9960B14926BB7F3B02E22DA2B0AB7280';
const THUMB_B = 'a'.repeat(40);

interface Reply {
  status: number;
  body: Record<string, unknown> & { Code?: string; Message?: string };
}

/** A request to iamd's JSON API signed with SigV4 (signing name `iam`), answered as status and JSON. */
async function signed(app: App, method: string, path: string, body?: unknown, credentials: Credentials = ROOT_KEY): Promise<Reply> {
  const url = new URL(path, app.url);
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const headers: Record<string, string> = { host: url.host };
  if (text !== undefined) headers['content-type'] = 'application/json';
  const request = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: text,
  });
  const res = await fetch(url, { method, headers: request.headers as Record<string, string>, body: text });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

async function stored(app: App, name: string) {
  return app.store.read((repo) => repo.getEntityByName<OidcProviderData & Record<string, unknown>>(ACCOUNT_ID, 'oidc-provider', name));
}

/** A user with an inline policy, and a client signing as that user. */
async function userWith(app: App, iam: IAMClient, name: string, statements: object[]): Promise<{ client: IAMClient; credentials: Credentials }> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (statements.length > 0) {
    await iam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }),
    );
  }
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  const credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  return { client: iamClient(app, credentials), credentials };
}

async function publicJwk(alg: 'RS256' | 'ES256' | 'ES384', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { pub: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, priv: { ...(await exportJWK(privateKey)), kid, alg } };
}

describe('IAM OIDC providers', () => {
  let app: App;
  let iam: IAMClient;
  before(async () => {
    app = await startTestApp();
    iam = iamClient(app);
  });
  after(() => app.close());

  test('Create, Get, List: the ARN from the URL, Get shows it without https://, thumbprints in lower case, tags sorted', async () => {
    const created = await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
        ClientIDList: ['sts.amazonaws.com', 'other-app', 'sts.amazonaws.com'],
        ThumbprintList: [THUMB_A],
        Tags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'env', Value: 'prod' },
        ],
      }),
    );
    const arn = arnOf('oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE');
    assert.equal(created.OpenIDConnectProviderArn, arn);
    assert.deepEqual(created.Tags, [
      { Key: 'team', Value: 'platform' },
      { Key: 'env', Value: 'prod' },
    ]);
    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    const { $metadata, ...fields } = got;
    assert.equal($metadata.httpStatusCode, 200);
    assert.deepEqual(Object.keys(fields).sort(), ['ClientIDList', 'CreateDate', 'Tags', 'ThumbprintList', 'Url']);
    assert.equal(got.Url, 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE');
    assert.deepEqual(got.ClientIDList, ['sts.amazonaws.com', 'other-app']);
    assert.deepEqual(got.ThumbprintList, [THUMB_A.toLowerCase()]);
    assert.ok(got.CreateDate instanceof Date && Math.abs(got.CreateDate.getTime() - Date.now()) < 60_000);
    assert.deepEqual(got.Tags, [
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'platform' },
    ]);

    // ThumbprintList is optional (iamd verifies the issuer's TLS with trusted CAs); ClientIDList too.
    const bare = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com' }));
    assert.equal(bare.OpenIDConnectProviderArn, arnOf('token.actions.githubusercontent.com'));
    assert.equal(bare.Tags, undefined);
    const bareGot = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: bare.OpenIDConnectProviderArn }));
    assert.deepEqual([bareGot.ClientIDList, bareGot.ThumbprintList, bareGot.Tags], [[], [], []]);

    const list = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    assert.deepEqual(list.OpenIDConnectProviderList, [{ Arn: arn }, { Arn: bare.OpenIDConnectProviderArn }]);
    // GetAccountSummary counts identity providers (OIDC and SAML) under Providers.
    const summary = await iam.send(new GetAccountSummaryCommand({}));
    assert.equal(summary.SummaryMap?.Providers, 2);

    // What AssumeRoleWithWebIdentity reads: the URL as registered.
    const row = await stored(app, 'token.actions.githubusercontent.com');
    assert.deepEqual(
      { ...row!.data, createDate: undefined },
      { url: 'https://token.actions.githubusercontent.com', clientIds: [], thumbprints: [], createDate: undefined },
    );
    assert.equal(row!.path, '/');

    const dup = await awsError(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com' })));
    assert.deepEqual(dup, {
      name: 'EntityAlreadyExists',
      status: 409,
      message: 'Provider with url https://token.actions.githubusercontent.com already exists.',
    });
  });

  test('Url: https://HOST[/PATH] only (no http, port, query, fragment, user info); bad input creates nothing', async () => {
    const before = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.length;
    for (const url of [
      'example.org',
      'http://idp.example.com',
      'https://idp.example.com:8443',
      'https://idp.example.com:443/path',
      'https://idp.example.com/path?tenant=1',
      'https://idp.example.com/#frag',
      'https://user:pw@idp.example.com',
      'https://',
      'https:///path',
      'https://idp example.com',
      'HTTPS://idp.example.com',
    ]) {
      const e = await awsError(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: url })));
      assert.deepEqual(e, { name: 'ValidationError', status: 400, message: 'Invalid Open ID Connect Provider URL' }, url);
    }
    const tooLong = await awsError(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${'a'.repeat(248)}` })));
    assert.equal(tooLong.name, 'ValidationError');
    assert.match(tooLong.message, /at 'url' failed to satisfy constraint: Member must have length less than or equal to 255/);
    assert.equal((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.length, before);

    // A path, and a trailing slash, are part of the issuer.
    const withPath = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://login.example.com/realms/main/' }));
    assert.equal(withPath.OpenIDConnectProviderArn, arnOf('login.example.com/realms/main/'));
  });

  test('ClientIDList and ThumbprintList limits: AWS errors, nothing created', async () => {
    const url = 'https://limits.example.com';
    const tooManyIds = await awsError(() =>
      iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: Array.from({ length: 101 }, (_, i) => `client-${i}`) })),
    );
    assert.deepEqual(tooManyIds, { name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100' });
    const longId = await awsError(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['x'.repeat(256)] })));
    assert.equal(longId.name, 'ValidationError');
    const sixThumbs = await awsError(() =>
      iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ThumbprintList: ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(40)) })),
    );
    assert.deepEqual(sixThumbs, { name: 'InvalidInput', status: 400, message: 'Thumbprint list must contain fewer than 5 entries.' });
    const notHex = await awsError(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ThumbprintList: ['z'.repeat(40)] })));
    assert.deepEqual(notHex, { name: 'InvalidInput', status: 400, message: `Thumbprint ${'z'.repeat(40)} is not 40 hexadecimal digits.` });
    const shortThumb = await awsError(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ThumbprintList: ['a'.repeat(39)] })));
    assert.equal(shortThumb.name, 'ValidationError');
    assert.equal(await stored(app, 'limits.example.com'), undefined);

    const ok = await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: url,
        ClientIDList: Array.from({ length: 100 }, (_, i) => `client-${i}`),
        ThumbprintList: ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(40)),
      }),
    );
    const arn = ok.OpenIDConnectProviderArn!;
    const full = await awsError(() => iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'one-more' })));
    assert.deepEqual(full, { name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100' });
    // Adding one already there is not one more.
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'client-7' }));
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  });

  test('AddClientID, RemoveClientID (both idempotent), UpdateThumbprint; other data members are kept', async () => {
    const arn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://clients.example.com', ClientIDList: ['a'] }))).OpenIDConnectProviderArn!;
    // Another feature's member of the same data (console sign-in) survives every update.
    await app.store.write(async (repo) => {
      const row = await repo.getEntityByName<OidcProviderData>(ACCOUNT_ID, 'oidc-provider', 'clients.example.com');
      await repo.updateEntity(row!.id, { data: { ...row!.data, consoleSignIn: { clientId: 'a', displayName: 'Example' } } });
    });
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'b' }));
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'b' }));
    await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'a' }));
    await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'never-there' }));
    await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [THUMB_A, THUMB_B] }));
    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    assert.deepEqual(got.ClientIDList, ['b']);
    assert.deepEqual(got.ThumbprintList, [THUMB_A.toLowerCase(), THUMB_B]);
    assert.deepEqual((await stored(app, 'clients.example.com'))!.data.consoleSignIn, { clientId: 'a', displayName: 'Example' });

    const six = await awsError(() =>
      iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: Array(6).fill(THUMB_B) })),
    );
    assert.equal(six.name, 'InvalidInput');
    await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [] }));
    assert.deepEqual((await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ThumbprintList, []);
  });

  test("an unknown ARN, or another account's, is NoSuchEntity for every operation; the ARN is matched whatever its case", async () => {
    for (const arn of [arnOf('unknown.example.com'), `arn:aws:iam::999988887777:oidc-provider/clients.example.com`, `arn:aws:iam::${ACCOUNT_ID}:user/x`]) {
      const calls = [
        () => iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
        () => iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'x' })),
        () => iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'x' })),
        () => iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [THUMB_B] })),
        () => iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'k', Value: 'v' }] })),
        () => iam.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['k'] })),
        () => iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn })),
      ];
      for (const call of calls)
        assert.deepEqual(await awsError(call), { name: 'NoSuchEntity', status: 404, message: `OpenIDConnect Provider not found for arn ${arn}` });
      const del = await awsError(() => iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
      assert.deepEqual(del, { name: 'NoSuchEntity', status: 404, message: `OpenId connect Provider ${arn} cannot be found.` });
    }
    const otherPartition = await awsError(() =>
      iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: `arn:aws-cn:iam::${ACCOUNT_ID}:oidc-provider/x` })),
    );
    assert.equal(otherPartition.name, 'ValidationError');
    const upper = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arnOf('CLIENTS.example.com') }));
    assert.equal(upper.Url, 'clients.example.com');
  });

  test('Tag, Untag, ListTags: IAM tag rules, pages; Delete removes the provider and its tags', async () => {
    const arn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://tags.example.com' }))).OpenIDConnectProviderArn!;
    await iam.send(
      new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` })) }),
    );
    await iam.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['k9', 'K8'] }));
    const first = await iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn, MaxItems: 5 }));
    assert.equal(first.Tags!.length, 5);
    assert.equal(first.IsTruncated, true);
    const rest = await iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn, Marker: first.Marker }));
    assert.deepEqual([...first.Tags!, ...rest.Tags!].map((t) => t.Key).sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    assert.equal(rest.IsTruncated, false);

    const reserved = await awsError(() =>
      iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'aws:x', Value: 'v' }] })),
    );
    assert.equal(reserved.name, 'InvalidInput');
    const tooMany = await awsError(() =>
      iam.send(
        new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: Array.from({ length: 43 }, (_, i) => ({ Key: `more${i}`, Value: 'v' })) }),
      ),
    );
    assert.deepEqual([tooMany.name, tooMany.status], ['LimitExceeded', 409]);

    const id = (await stored(app, 'tags.example.com'))!.id;
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    assert.equal(await stored(app, 'tags.example.com'), undefined);
    assert.deepEqual(await app.store.read((repo) => repo.getTags(id)), []);
    assert.equal((await awsError(() => iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })))).name, 'NoSuchEntity');
    // Created again: a new provider, without the old one's tags.
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://tags.example.com' }));
    assert.deepEqual((await iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }))).Tags, []);
  });

  test('permissions: denied without a policy, each action on the provider ARN, tags in the context', async () => {
    const { client: nobody } = await userWith(app, iam, 'oidc-nobody', []);
    const arn = arnOf('clients.example.com');
    const denied = await awsError(() => nobody.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://sneaky.example.com' })));
    assert.deepEqual(denied, {
      name: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::${ACCOUNT_ID}:user/oidc-nobody is not authorized to perform: iam:CreateOpenIDConnectProvider on resource: ${arnOf('sneaky.example.com')} because no identity-based policy allows the iam:CreateOpenIDConnectProvider action`,
    });
    assert.equal(await stored(app, 'sneaky.example.com'), undefined);
    for (const call of [
      () => nobody.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
      () => nobody.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arnOf('unknown.example.com') })),
      () => nobody.send(new ListOpenIDConnectProvidersCommand({})),
      () => nobody.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
      () => nobody.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'x' })),
      () => nobody.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn })),
      () => nobody.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: `arn:aws:iam::999988887777:oidc-provider/x`, Tags: [] })),
    ]) {
      assert.equal((await awsError(call)).name, 'AccessDenied');
    }
    assert.ok(await stored(app, 'clients.example.com'));

    // Create without Tag permission: tags refused; a resource-tag condition decides Get.
    const { client: creator } = await userWith(app, iam, 'oidc-creator', [
      { Effect: 'Allow', Action: 'iam:CreateOpenIDConnectProvider', Resource: arnOf('*') },
      { Effect: 'Allow', Action: 'iam:GetOpenIDConnectProvider', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } },
      { Effect: 'Allow', Action: 'iam:ListOpenIDConnectProviders', Resource: '*' },
    ]);
    const noTag = await awsError(() =>
      creator.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://blue.example.com', Tags: [{ Key: 'team', Value: 'blue' }] })),
    );
    assert.equal(noTag.name, 'AccessDenied');
    assert.match(noTag.message, /iam:TagOpenIDConnectProvider/);
    const blue = (await creator.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://blue.example.com' }))).OpenIDConnectProviderArn!;
    assert.equal((await awsError(() => creator.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: blue })))).name, 'AccessDenied');
    await iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: blue, Tags: [{ Key: 'team', Value: 'blue' }] }));
    assert.equal((await creator.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: blue }))).Url, 'blue.example.com');
    assert.ok((await creator.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.some((p) => p.Arn === blue));
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: blue }));
  });

  test('at most 100 providers per account', async () => {
    const existing = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.length;
    const fillers = Array.from({ length: 100 - existing }, (_, i) => `https://filler-${i}.example.com`);
    for (const url of fillers) await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url }));
    const over = await awsError(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://one-too-many.example.com' })));
    assert.deepEqual(over, { name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100' });
    assert.equal((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.length, 100);
    for (const url of fillers) await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arnOf(url.slice('https://'.length)) }));
  });

  test('aws CLI: create-open-id-connect-provider, get, list, delete (errors: the SDK tests above)', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const aws = (...args: string[]) => run('aws', ['--endpoint-url', app.url, '--output', 'json', 'iam', ...args], env);
    const created = await aws(
      'create-open-id-connect-provider',
      '--url',
      'https://cli.example.com/tenant',
      '--client-id-list',
      'app-1',
      'app-2',
      '--thumbprint-list',
      THUMB_A,
    );
    assert.equal(created.code, 0, created.stderr);
    const arn = JSON.parse(created.stdout).OpenIDConnectProviderArn;
    assert.equal(arn, arnOf('cli.example.com/tenant'));
    const got = await aws('get-open-id-connect-provider', '--open-id-connect-provider-arn', arn);
    assert.equal(got.code, 0, got.stderr);
    const body = JSON.parse(got.stdout);
    assert.deepEqual([body.Url, body.ClientIDList, body.ThumbprintList], ['cli.example.com/tenant', ['app-1', 'app-2'], [THUMB_A.toLowerCase()]]);
    const list = await aws('list-open-id-connect-providers');
    assert.ok(JSON.parse(list.stdout).OpenIDConnectProviderList.some((p: { Arn: string }) => p.Arn === arn));
    assert.equal((await aws('delete-open-id-connect-provider', '--open-id-connect-provider-arn', arn)).code, 0);
    assert.equal((await awsError(() => iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })))).name, 'NoSuchEntity');
  });
});

describe("iamd extension: a provider's JWKS given directly", () => {
  let app: App;
  let iam: IAMClient;
  let arn: string;
  let dir: string;
  before(async () => {
    app = await startTestApp();
    iam = iamClient(app);
    arn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://kubernetes.default.svc', ClientIDList: ['sts.amazonaws.com'] })))
      .OpenIDConnectProviderArn!;
    dir = mkdtempSync(join(tmpdir(), 'iamd-jwks-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  test('PUT /iamd/oidc-providers/keys stores public keys; Get keeps AWS shape; DELETE forgets them, other data kept', async () => {
    const rsa = await publicJwk('RS256', 'rsa-1');
    const ec = await publicJwk('ES384', 'ec-1');
    const noKid = { ...(await publicJwk('ES256', 'x')).pub, kid: undefined };
    const jwks = JSON.stringify({ keys: [rsa.pub, ec.pub, noKid] });
    const put = await signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: arn, Jwks: jwks });
    assert.deepEqual(put, { status: 200, body: { OpenIDConnectProviderArn: arn, KeyCount: 3, KeyIds: ['rsa-1', 'ec-1'] } });
    const data = (await stored(app, 'kubernetes.default.svc'))!.data;
    assert.deepEqual(JSON.parse(data.jwks!), JSON.parse(jwks));
    assert.deepEqual(data.clientIds, ['sts.amazonaws.com']);

    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    const { $metadata: _m, ...fields } = got;
    assert.deepEqual(Object.keys(fields).sort(), ['ClientIDList', 'CreateDate', 'Tags', 'ThumbprintList', 'Url']);

    // Replaced by the next PUT.
    assert.equal(
      (await signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: arn, Jwks: JSON.stringify({ keys: [ec.pub] }) })).status,
      200,
    );
    assert.deepEqual(JSON.parse((await stored(app, 'kubernetes.default.svc'))!.data.jwks!), { keys: [ec.pub] });

    const del = await signed(app, 'DELETE', `/iamd/oidc-providers/keys?OpenIDConnectProviderArn=${encodeURIComponent(arn)}`);
    assert.deepEqual(del, { status: 200, body: {} });
    const after = (await stored(app, 'kubernetes.default.svc'))!.data;
    assert.equal(after.jwks, undefined);
    assert.equal(after.url, 'https://kubernetes.default.svc');
    // Idempotent.
    assert.equal((await signed(app, 'DELETE', `/iamd/oidc-providers/keys?OpenIDConnectProviderArn=${encodeURIComponent(arn)}`)).status, 200);
  });

  test('refused: private keys (never echoed), symmetric keys, other algorithms, short RSA, bad JSON, too many keys, too large', async () => {
    const rsa = await publicJwk('RS256', 'rsa-1');
    const put = (jwks: string) => signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: arn, Jwks: jwks });
    const refused = async (keys: unknown, message: string | RegExp) => {
      const r = await put(typeof keys === 'string' ? keys : JSON.stringify({ keys }));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.Code, 'InvalidInput');
      if (typeof message === 'string') assert.equal(r.body.Message, message);
      else assert.match(r.body.Message!, message);
      return r;
    };

    const privateKey = await refused([rsa.pub, rsa.priv], 'Jwks key 2 (kid "rsa-1") has private key members (d, p, q, dp, dq, qi): give only public keys.');
    assert.ok(!JSON.stringify(privateKey.body).includes(String(rsa.priv.d)));
    await refused([{ kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }], 'Jwks key 1 has private key members (k): give only public keys.');
    await refused([{ ...rsa.pub, alg: 'PS256' }], /key 1 \(kid "rsa-1"\) has alg "PS256"; a RSA key may use RS256, RS384, RS512/);
    await refused([{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }], /key 1 has kty "OKP"; only RSA and EC keys/);
    await refused([{ ...(await publicJwk('ES256', 'e')).pub, alg: 'ES384' }], /has alg ES384, but its curve P-256 is for ES256/);
    await refused([{ ...rsa.pub, use: 'enc' }], /has use "enc"/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    await refused([small], /RSA modulus shorter than 2048 bits/);
    await refused([{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }], /key 1 cannot be imported/);
    await refused('not json', 'Jwks is not a usable JWK Set: it is not JSON.');
    await refused('{"keys": {}}', 'Jwks is not a usable JWK Set: it must be a JSON object with a "keys" array.');
    await refused('{"keys": []}', /"keys" array is empty/);
    await refused(Array(101).fill(rsa.pub), 'Jwks is not a usable JWK Set: it has 101 keys, more than 100.');
    assert.equal((await stored(app, 'kubernetes.default.svc'))!.data.jwks, undefined);

    const huge = await put(JSON.stringify({ keys: [rsa.pub], padding: 'x'.repeat(70_000) }));
    assert.equal(huge.status, 400);
    assert.equal(huge.body.Code, 'ValidationError');
    assert.match(huge.body.Message!, /Member must have length less than or equal to 65536/);
  });

  test('route errors: unknown provider, permissions, unsigned, method, missing members', async () => {
    const rsa = await publicJwk('RS256', 'rsa-1');
    const jwks = JSON.stringify({ keys: [rsa.pub] });
    const unknown = arnOf('nowhere.example.com');
    assert.deepEqual(await signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: unknown, Jwks: jwks }), {
      status: 404,
      body: { Code: 'NoSuchEntity', Message: `OpenIDConnect Provider not found for arn ${unknown}` },
    });

    const { credentials: nobody } = await userWith(app, iam, 'keys-nobody', [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }]);
    const denied = await signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: arn, Jwks: jwks }, nobody);
    assert.equal(denied.status, 403);
    assert.match(denied.body.Message!, new RegExp(`not authorized to perform: iamd:PutOpenIDConnectProviderKeys on resource: ${arn}`));
    const { credentials: keeper } = await userWith(app, iam, 'keys-keeper', [
      { Effect: 'Allow', Action: ['iamd:PutOpenIDConnectProviderKeys', 'iamd:DeleteOpenIDConnectProviderKeys'], Resource: arn },
    ]);
    assert.equal((await signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: arn, Jwks: jwks }, keeper)).status, 200);
    const deniedDelete = await signed(app, 'DELETE', `/iamd/oidc-providers/keys?OpenIDConnectProviderArn=${encodeURIComponent(arn)}`, undefined, nobody);
    assert.equal(deniedDelete.status, 403);
    assert.ok((await stored(app, 'kubernetes.default.svc'))!.data.jwks);

    const unsigned = await fetch(new URL('/iamd/oidc-providers/keys', app.url), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ OpenIDConnectProviderArn: arn, Jwks: jwks }),
    });
    assert.equal(unsigned.status, 403);
    const get = await signed(app, 'GET', '/iamd/oidc-providers/keys');
    assert.deepEqual([get.status, get.body.Code], [405, 'InvalidAction']);
    const missing = await signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: arn });
    assert.deepEqual([missing.status, missing.body.Code], [400, 'ValidationError']);
    const notString = await signed(app, 'PUT', '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: arn, Jwks: { keys: [] } });
    assert.deepEqual([notString.status, notString.body.Code], [400, 'ValidationError']);
    const noArn = await signed(app, 'DELETE', '/iamd/oidc-providers/keys');
    assert.deepEqual([noArn.status, noArn.body.Code], [400, 'ValidationError']);
    await signed(app, 'DELETE', `/iamd/oidc-providers/keys?OpenIDConnectProviderArn=${encodeURIComponent(arn)}`);
  });

  test('iamd oidc-provider put-keys / delete-keys, signed with the credentials in the environment', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: app.url,
    };
    const cli = (...args: string[]) => run(process.execPath, [...IAMD, 'oidc-provider', ...args], env);
    const rsa = await publicJwk('RS256', 'cluster-key');
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [rsa.pub] }));
    const put = await cli('put-keys', '--arn', arn, '--file', file);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout, `${arn}: 1 key (cluster-key)\n`);
    assert.deepEqual(JSON.parse((await stored(app, 'kubernetes.default.svc'))!.data.jwks!), { keys: [rsa.pub] });

    const privateFile = join(dir, 'private.json');
    writeFileSync(privateFile, JSON.stringify({ keys: [rsa.priv] }));
    const refused = await cli('put-keys', '--arn', arn, '--file', privateFile);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'iamd: InvalidInput: Jwks key 1 (kid "cluster-key") has private key members (d, p, q, dp, dq, qi): give only public keys.\n');

    const del = await cli('delete-keys', '--arn', arn, '--endpoint', app.url);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, `${arn}: keys deleted; iamd fetches them from the provider\n`);
    assert.equal((await stored(app, 'kubernetes.default.svc'))!.data.jwks, undefined);
  });
});
