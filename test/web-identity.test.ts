// STS AssumeRoleWithWebIdentity against an in-process iamd, with tokens this test signs: a GitHub
// Actions token and a Kubernetes (EKS IRSA) service-account token, each issuer registered as an IAM
// OIDC provider whose keys are given with PutOpenIDConnectProviderKeys (iamd extension: nothing is
// fetched). Clients: @aws-sdk/client-sts (unsigned, as the SDK sends it), the SDK's fromTokenFile
// credential provider, and the aws CLI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  type IAMClient,
  ListGroupsCommand,
  ListRolesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandInput,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import type { App } from '../src/app.ts';
import { IamdClient } from '../src/cli-tools/workload-client.ts';
import { OidcProviderKeysClient } from '../src/cli-tools/oidc-provider-keys.ts';
import { ACCOUNT_ID, awsError, type Credentials, iamClient, ROOT_KEY, startTestApp } from './helpers.ts';
import { run } from './run-command.ts';

const GITHUB = 'https://token.actions.githubusercontent.com';
const GITHUB_NAME = 'token.actions.githubusercontent.com';
const EKS = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const EKS_NAME = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const providerArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ACTIONS = ['sts:AssumeRoleWithWebIdentity'];

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' } };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token signed by `key` (its kid unless another is given), valid for an hour from now unless the claims say otherwise. */
function sign(key: SigningKey, claims: JWTPayload, kid: string = key.kid): Promise<string> {
  const now = nowSeconds();
  return new SignJWT({ iat: now, nbf: now - 5, exp: now + 3600, ...claims }).setProtectedHeader({ alg: key.alg, kid, typ: 'JWT' }).sign(key.privateKey);
}

function githubClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: GITHUB,
    aud: 'sts.amazonaws.com',
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    jti: 'example-id',
    ref: 'refs/heads/main',
    sha: 'example-sha',
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    actor: 'octocat',
    workflow: 'deploy',
    event_name: 'push',
    ref_type: 'branch',
    job_workflow_ref: 'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main',
    runner_environment: 'github-hosted',
    ...overrides,
  };
}

function kubernetesClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: EKS,
    aud: ['sts.amazonaws.com'],
    sub: 'system:serviceaccount:payments:api',
    'kubernetes.io': {
      namespace: 'payments',
      pod: { name: 'api-7d4b9c6f5-x2x9z', uid: '2b1a9f0e-5b3f-4b8e-9d55-0c1e7a3f9a11' },
      serviceaccount: { name: 'api', uid: 'c4f0f5a2-8f0e-4e55-b1d4-52a1d6b9e0aa' },
    },
    ...overrides,
  };
}

describe('AssumeRoleWithWebIdentity', () => {
  let app: App;
  let iam: IAMClient;
  let github: SigningKey;
  let eks: SigningKey;
  let stranger: SigningKey;
  let dir: string;
  /** The unsigned client an application uses: no AWS credentials at all. */
  const sts = () => new STSClient({ endpoint: app.url, region: 'us-east-1', maxAttempts: 1 });
  const assume = (input: Partial<AssumeRoleWithWebIdentityCommandInput> & { WebIdentityToken: string }) =>
    sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn('gha-deploy'), RoleSessionName: 'gha-run-1', ...input }));
  const asSession = (c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): Credentials => ({
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  });
  const role = async (name: string, trust: object[], permissions?: object[], maxSessionDuration?: number) => {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy(...trust), MaxSessionDuration: maxSessionDuration }));
    if (permissions) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'perms', PolicyDocument: policy(...permissions) }));
  };
  const trustGithub = (condition: object, actions = ACTIONS) => ({
    Effect: 'Allow',
    Principal: { Federated: providerArn(GITHUB_NAME) },
    Action: actions,
    Condition: condition,
  });

  before(async () => {
    app = await startTestApp();
    iam = iamClient(app);
    dir = mkdtempSync(join(tmpdir(), 'iamd-wif-'));
    [github, eks, stranger] = await Promise.all([signingKey('gh-1', 'RS256'), signingKey('eks-1', 'ES256'), signingKey('gh-1', 'RS256')]);
    const keys = new OidcProviderKeysClient(new IamdClient(app.url, ROOT_KEY));
    for (const [url, name, key, clientIds] of [
      [GITHUB, GITHUB_NAME, github, ['sts.amazonaws.com', 'other-audience']],
      [EKS, EKS_NAME, eks, ['sts.amazonaws.com']],
    ] as const) {
      const created = await iam.send(
        new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: [...clientIds], ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] }),
      );
      assert.equal(created.OpenIDConnectProviderArn, providerArn(name));
      await keys.put(providerArn(name), JSON.stringify({ keys: [key.jwk] }));
    }

    await role(
      'gha-deploy',
      [trustGithub({ StringEquals: { [`${GITHUB_NAME}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GITHUB_NAME}:sub`]: 'repo:octo-org/*' } })],
      [
        { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
        // The session's provider is visible to policies as aws:FederatedProvider.
        { Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*', Condition: { StringEquals: { 'aws:FederatedProvider': providerArn(GITHUB_NAME) } } },
        { Effect: 'Allow', Action: 'iam:ListGroups', Resource: '*', Condition: { StringEquals: { 'aws:FederatedProvider': providerArn(EKS_NAME) } } },
      ],
    );
    await role(
      'k8s-payments',
      [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn(EKS_NAME) },
          Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'],
          Condition: { StringEquals: { [`${EKS_NAME}:sub`]: 'system:serviceaccount:payments:api', [`${EKS_NAME}:aud`]: 'sts.amazonaws.com' } },
        },
      ],
      [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } } }],
    );
    await role(
      'k8s-chained',
      [{ Effect: 'Allow', Principal: { AWS: roleArn('k8s-payments') }, Action: 'sts:AssumeRole' }],
      [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } } }],
    );
    // Trusts the provider, but neither session tags nor a source identity.
    await role(
      'gha-plain',
      [trustGithub({ StringLike: { [`${GITHUB_NAME}:sub`]: 'repo:octo-org/*' } })],
      [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
    );
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  test('a GitHub Actions token: credentials for the role, whose permissions apply; aws:FederatedProvider is the provider', async () => {
    const out = await assume({ WebIdentityToken: await sign(github, githubClaims()) });
    assert.match(out.Credentials!.AccessKeyId!, /^ASIA/);
    assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/gha-deploy/gha-run-1`);
    assert.match(out.AssumedRoleUser!.AssumedRoleId!, /^AROA\w+:gha-run-1$/);
    assert.equal(out.SubjectFromWebIdentityToken, 'repo:octo-org/octo-repo:ref:refs/heads/main');
    assert.equal(out.Provider, providerArn(GITHUB_NAME));
    assert.equal(out.Audience, 'sts.amazonaws.com');
    assert.equal(out.SourceIdentity, undefined);
    const expires = out.Credentials!.Expiration!.getTime() - Date.now();
    assert.ok(expires > 3500_000 && expires <= 3600_000, `default hour, got ${expires} ms`);

    const creds = asSession(out.Credentials!);
    const me = await new STSClient({ endpoint: app.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, out.AssumedRoleUser!.Arn);
    assert.equal(me.Account, ACCOUNT_ID);
    const session = iamClient(app, creds);
    assert.ok((await session.send(new ListUsersCommand({}))).Users);
    assert.ok((await session.send(new ListRolesCommand({}))).Roles!.some((r) => r.RoleName === 'gha-deploy'));
    const denied = await awsError(() => session.send(new CreateRoleCommand({ RoleName: 'nope', AssumeRolePolicyDocument: policy() })));
    assert.equal(denied.name, 'AccessDenied');
    const otherProvider = await awsError(() => session.send(new ListGroupsCommand({})));
    assert.equal(otherProvider.name, 'AccessDenied');
  });

  test('the trust policy decides on :sub and :aud; AWS gives no reason', async () => {
    for (const claims of [githubClaims({ sub: 'repo:evil-org/octo-repo:ref:refs/heads/main' }), githubClaims({ aud: 'other-audience' })]) {
      const token = await sign(github, claims);
      const e = await awsError(() => assume({ WebIdentityToken: token }));
      assert.deepEqual(e, { name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity', status: 403 });
    }
  });

  test('a Kubernetes service-account token (EKS IRSA, ES256): session tags and source identity from the token', async () => {
    const token = await sign(
      eks,
      kubernetesClaims({
        'https://aws.amazon.com/tags': { principal_tags: { team: ['payments'], tier: ['backend'] }, transitive_tag_keys: ['team'] },
        'https://aws.amazon.com/source_identity': 'payments-api',
      }),
    );
    const out = await assume({ RoleArn: roleArn('k8s-payments'), RoleSessionName: 'botocore-session-1', WebIdentityToken: token });
    assert.equal(out.SubjectFromWebIdentityToken, 'system:serviceaccount:payments:api');
    assert.equal(out.Provider, providerArn(EKS_NAME));
    assert.equal(out.Audience, 'sts.amazonaws.com');
    assert.equal(out.SourceIdentity, 'payments-api');
    assert.ok(out.PackedPolicySize! > 0);
    const creds = asSession(out.Credentials!);
    assert.ok((await iamClient(app, creds).send(new ListUsersCommand({}))).Users, 'aws:PrincipalTag/team from the token');

    // The transitive tag follows into a chained session; the other does not matter there.
    const chained = await new STSClient({ endpoint: app.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 }).send(
      new AssumeRoleCommand({ RoleArn: roleArn('k8s-chained'), RoleSessionName: 'chained' }),
    );
    assert.equal(chained.SourceIdentity, 'payments-api');
    assert.ok((await iamClient(app, asSession(chained.Credentials!)).send(new ListRolesCommand({}))).Roles);

    // Another service account of the cluster is not trusted.
    const other = await sign(eks, kubernetesClaims({ sub: 'system:serviceaccount:default:default' }));
    assert.equal((await awsError(() => assume({ RoleArn: roleArn('k8s-payments'), WebIdentityToken: other }))).name, 'AccessDenied');
  });

  test('session tags need sts:TagSession, a source identity sts:SetSourceIdentity; bad tags are refused', async () => {
    const tagged = await sign(github, githubClaims({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['web'] } } }));
    assert.deepEqual(await awsError(() => assume({ RoleArn: roleArn('gha-plain'), WebIdentityToken: tagged })), {
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:TagSession',
      status: 403,
    });
    const sourced = await sign(github, githubClaims({ 'https://aws.amazon.com/source_identity': 'octocat' }));
    assert.deepEqual(await awsError(() => assume({ RoleArn: roleArn('gha-plain'), WebIdentityToken: sourced })), {
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:SetSourceIdentity',
      status: 403,
    });
    assert.ok((await assume({ RoleArn: roleArn('gha-plain'), WebIdentityToken: await sign(github, githubClaims()) })).Credentials);

    for (const [tags, reason] of [
      [['not', 'an object'], /not a JSON object/],
      [{ principal_tags: { 'aws:team': ['x'] } }, /starts with "aws:"/],
      [{ principal_tags: { team: ['a', 'b'] } }, /is not one string/],
      [{ principal_tags: { team: 'a', TEAM: 'b' } }, /repeated/],
      [{ principal_tags: { team: 'a' }, transitive_tag_keys: ['tier'] }, /transitive tag key "tier"/],
    ] as const) {
      const token = await sign(eks, kubernetesClaims({ 'https://aws.amazon.com/tags': tags }));
      const e = await awsError(() => assume({ RoleArn: roleArn('k8s-payments'), WebIdentityToken: token }));
      assert.equal(e.name, 'InvalidIdentityToken');
      assert.match(e.message, reason);
    }
    const badSource = await sign(eks, kubernetesClaims({ 'https://aws.amazon.com/source_identity': 'aws:me' }));
    assert.equal((await awsError(() => assume({ RoleArn: roleArn('k8s-payments'), WebIdentityToken: badSource }))).name, 'InvalidIdentityToken');
  });

  test("audience, expiry, not-before, issuer, signature and algorithm, in AWS's words", async () => {
    const now = nowSeconds();
    const cases: [string, Promise<string> | string, { name: string; message: string | RegExp; status: number }][] = [
      [
        'wrong audience',
        sign(github, githubClaims({ aud: 'https://github.com/octo-org' })),
        { name: 'InvalidIdentityToken', message: 'Incorrect token audience', status: 400 },
      ],
      [
        'expired',
        sign(github, githubClaims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
        {
          name: 'ExpiredTokenException',
          message: new RegExp(`^Token expired: current date/time \\d+ must be before the expiration date/time ${now - 3600}$`),
          status: 400,
        },
      ],
      [
        'not yet valid',
        sign(github, githubClaims({ nbf: now + 3600, exp: now + 7200 })),
        { name: 'InvalidIdentityToken', message: /^Token not yet valid: its nbf/, status: 400 },
      ],
      [
        'another issuer',
        sign(github, githubClaims({ iss: 'https://gitlab.example.com' })),
        { name: 'InvalidIdentityToken', message: 'No OpenIDConnect provider found in your account for https://gitlab.example.com', status: 400 },
      ],
      [
        'the issuer with a trailing slash',
        sign(github, githubClaims({ iss: `${GITHUB}/` })),
        { name: 'InvalidIdentityToken', message: `No OpenIDConnect provider found in your account for ${GITHUB}/`, status: 400 },
      ],
      [
        'another key with the same kid',
        sign(stranger, githubClaims()),
        {
          name: 'InvalidIdentityToken',
          message: 'The web identity token provided could not be validated. See the AssumeRoleWithWebIdentity documentation for requirements.',
          status: 400,
        },
      ],
      [
        'a kid the provider does not have',
        sign(stranger, githubClaims(), 'gh-2'),
        {
          name: 'InvalidIdentityToken',
          message: "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
          status: 400,
        },
      ],
      [
        'alg none',
        new UnsecuredJWT(githubClaims({ exp: now + 3600 })).encode(),
        {
          name: 'InvalidIdentityToken',
          message: 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
          status: 400,
        },
      ],
      [
        'HS256 keyed with the public key',
        new SignJWT(githubClaims({ exp: now + 3600 }))
          .setProtectedHeader({ alg: 'HS256', kid: 'gh-1' })
          .sign(new TextEncoder().encode(JSON.stringify(github.jwk))),
        { name: 'InvalidIdentityToken', message: /not a valid JWT/, status: 400 },
      ],
      ['an opaque access token', 'ya29.a0AfH6SMBx-not-a-jwt', { name: 'InvalidIdentityToken', message: /not a valid JWT/, status: 400 }],
      ['no sub', sign(github, githubClaims({ sub: undefined })), { name: 'InvalidIdentityToken', message: 'Missing a required claim: sub', status: 400 }],
      ['no aud', sign(github, githubClaims({ aud: undefined })), { name: 'InvalidIdentityToken', message: 'Missing a required claim: aud', status: 400 }],
      [
        'a fractional exp',
        sign(github, githubClaims({ exp: now + 3600.5 })),
        { name: 'InvalidIdentityToken', message: 'The exp claim must be an integer or a long integer.', status: 400 },
      ],
    ];
    for (const [what, token, expected] of cases) {
      const e = await awsError(async () => assume({ WebIdentityToken: await token }));
      assert.equal(e.name, expected.name, what);
      assert.equal(e.status, expected.status, what);
      if (typeof expected.message === 'string') assert.equal(e.message, expected.message, what);
      else assert.match(e.message, expected.message, what);
    }
  });

  test('the provider must be in the role’s account; ProviderId is for OAuth 2.0 tokens only', async () => {
    const token = await sign(github, githubClaims());
    assert.deepEqual(await awsError(() => assume({ RoleArn: 'arn:aws:iam::222233334444:role/gha-deploy', WebIdentityToken: token })), {
      name: 'InvalidIdentityToken',
      message: `No OpenIDConnect provider found in your account for ${GITHUB}`,
      status: 400,
    });
    assert.deepEqual(await awsError(() => assume({ RoleArn: roleArn('no-such-role'), WebIdentityToken: token })), {
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      status: 403,
    });
    const e = await awsError(() => assume({ WebIdentityToken: token, ProviderId: 'graph.facebook.com' }));
    assert.equal(e.name, 'InvalidParameterValue');
    assert.equal(e.status, 400);
  });

  test("DurationSeconds up to the role's maximum; Policy and PolicyArns narrow the session; PackedPolicyTooLarge", async () => {
    const token = await sign(github, githubClaims());
    assert.deepEqual(await awsError(() => assume({ WebIdentityToken: token, DurationSeconds: 7200 })), {
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      status: 400,
    });
    const short = await assume({ WebIdentityToken: token, DurationSeconds: 900 });
    const lasts = short.Credentials!.Expiration!.getTime() - Date.now();
    assert.ok(lasts > 800_000 && lasts <= 900_000, `15 minutes, got ${lasts} ms`);

    const inline = await assume({ WebIdentityToken: token, Policy: policy({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }) });
    assert.ok(inline.PackedPolicySize! > 0);
    const narrowed = iamClient(app, asSession(inline.Credentials!));
    assert.ok((await narrowed.send(new ListRolesCommand({}))).Roles);
    assert.equal((await awsError(() => narrowed.send(new ListUsersCommand({})))).name, 'AccessDenied');

    const managed = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'wif-list-users', PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }),
    );
    const byArn = await assume({ WebIdentityToken: token, PolicyArns: [{ arn: managed.Policy!.Arn! }] });
    const byArnClient = iamClient(app, asSession(byArn.Credentials!));
    assert.ok((await byArnClient.send(new ListUsersCommand({}))).Users);
    assert.equal((await awsError(() => byArnClient.send(new ListRolesCommand({})))).name, 'AccessDenied');

    const malformed = await awsError(() => assume({ WebIdentityToken: token, Policy: '{"Statement": 3}' }));
    assert.equal(malformed.name, 'MalformedPolicyDocument');

    const bigTags = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`tag${i}`, ['v'.repeat(200)]]));
    const heavy = await sign(eks, kubernetesClaims({ 'https://aws.amazon.com/tags': { principal_tags: bigTags } }));
    const tooLarge = await awsError(() => assume({ RoleArn: roleArn('k8s-payments'), WebIdentityToken: heavy }));
    assert.equal(tooLarge.name, 'PackedPolicyTooLarge');
    assert.match(tooLarge.message, /^Packed policy consumes \d+% of allotted space/);
  });

  test('real clients: the SDK fromTokenFile provider (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN) and the aws CLI', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, await sign(eks, kubernetesClaims()));
    const saved = { file: process.env.AWS_WEB_IDENTITY_TOKEN_FILE, arn: process.env.AWS_ROLE_ARN, name: process.env.AWS_ROLE_SESSION_NAME };
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE = tokenFile;
    process.env.AWS_ROLE_ARN = roleArn('k8s-payments');
    process.env.AWS_ROLE_SESSION_NAME = 'sdk-token-file';
    try {
      const credentials = fromTokenFile({ clientConfig: { endpoint: app.url, region: 'us-east-1', maxAttempts: 1 } });
      const me = await new STSClient({ endpoint: app.url, region: 'us-east-1', credentials, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/k8s-payments/sdk-token-file`);
    } finally {
      for (const [k, v] of [
        ['AWS_WEB_IDENTITY_TOKEN_FILE', saved.file],
        ['AWS_ROLE_ARN', saved.arn],
        ['AWS_ROLE_SESSION_NAME', saved.name],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }

    const env = {
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const token = await sign(github, githubClaims());
    const cli = await run(
      'aws',
      [
        '--endpoint-url',
        app.url,
        '--output',
        'json',
        'sts',
        'assume-role-with-web-identity',
        '--role-arn',
        roleArn('gha-deploy'),
        '--role-session-name',
        'cli-session',
        '--web-identity-token',
        token,
      ],
      env,
    );
    assert.equal(cli.code, 0, cli.stderr);
    const out = JSON.parse(cli.stdout);
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/gha-deploy/cli-session`);
    assert.equal(out.Provider, providerArn(GITHUB_NAME));
    assert.equal(out.SubjectFromWebIdentityToken, 'repo:octo-org/octo-repo:ref:refs/heads/main');
    const refused = await run(
      'aws',
      [
        '--endpoint-url',
        app.url,
        'sts',
        'assume-role-with-web-identity',
        '--role-arn',
        roleArn('gha-deploy'),
        '--role-session-name',
        'x1',
        '--web-identity-token',
        'nope',
      ],
      env,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /\(InvalidIdentityToken\).*not a valid JWT/);
  });
});
