// SAML federation end to end: the IAM SAMLProvider operations, and AssumeRoleWithSAML called
// unsigned by the SDK v3 STS client (and once by the aws CLI) with responses from a test IdP
// (test/saml-idp.ts): valid responses, the trust policy's SAML:* keys, expiry, session duration
// and tags, encrypted assertions, and the XML signature wrapping attacks a validator must refuse.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import {
  CreateRoleCommand,
  CreateSAMLProviderCommand,
  CreateUserCommand,
  CreateAccessKeyCommand,
  DeleteSAMLProviderCommand,
  GetSAMLProviderCommand,
  ListRolesCommand,
  ListSAMLProviderTagsCommand,
  ListSAMLProvidersCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagSAMLProviderCommand,
  UntagSAMLProviderCommand,
  UpdateRoleCommand,
  UpdateSAMLProviderCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient, type AssumeRoleWithSAMLCommandInput } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp, type Credentials } from './helpers.ts';
import { run } from './run-command.ts';
import { AWS_RECIPIENT, b64, makeTestIdp, metadataDocument, RSA_SHA1, SAML, SAMLP, type ResponseOptions, type TestIdp } from './saml-idp.ts';

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const providerArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:saml-provider/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
const DS = 'http://www.w3.org/2000/09/xmldsig#';

const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const serialize = (node: unknown) => new XMLSerializer().serializeToString(node as Parameters<XMLSerializer['serializeToString']>[0]);
const first = (root: { getElementsByTagNameNS(ns: string, local: string): { item(i: number): Element | null } }, ns: string, local: string) =>
  root.getElementsByTagNameNS(ns, local).item(0)!;

describe('SAML federation', () => {
  let app: App;
  let iam: IAMClient;
  // The server's clock: near real time (SigV4), moved only by the tests that need it.
  let now = new Date(Math.floor(Date.now() / 1000) * 1000);
  let idp: TestIdp;
  let otherIdp: TestIdp;
  // RSA private keys (PKCS#8 PEM) for the provider's AddPrivateKey: made once, they are slow to make.
  const rsaKeys = Array.from(
    { length: 3 },
    () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  );

  const sts = () =>
    new STSClient({
      endpoint: app.url,
      region: 'us-east-1',
      maxAttempts: 1,
      // AssumeRoleWithSAML is unsigned: credentials must never be asked for.
      credentials: async () => {
        throw new Error('AssumeRoleWithSAML must not sign');
      },
    });
  const signedSts = (c: Credentials) => new STSClient({ endpoint: app.url, region: 'us-east-1', maxAttempts: 1, credentials: c });
  const assume = (input: Partial<AssumeRoleWithSAMLCommandInput> & { SAMLAssertion: string }) =>
    sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn('SamlReader'), PrincipalArn: providerArn('TestIdP'), ...input }));
  const grant = (role = 'SamlReader', provider = 'TestIdP') => `${roleArn(role)},${providerArn(provider)}`;
  const response = (opts: ResponseOptions = {}, who: TestIdp = idp) =>
    who.response({ now, ...opts, attributes: opts.attributes ?? { Role: [grant()], RoleSessionName: ['alice'] } });
  const refused = async (xml: string, name: string, message: RegExp | string, extra: Partial<AssumeRoleWithSAMLCommandInput> = {}) => {
    const e = await awsError(() => assume({ SAMLAssertion: b64(xml), ...extra }));
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return e;
  };

  before(async () => {
    app = await startTestApp({}, () => now);
    iam = iamClient(app);
    [idp, otherIdp] = await Promise.all([makeTestIdp('https://idp.example.com/saml'), makeTestIdp('https://idp.example.com/saml')]);
    await iam.send(new CreateSAMLProviderCommand({ Name: 'TestIdP', SAMLMetadataDocument: idp.metadata() }));
    const trust = (condition?: object, actions: string[] = ['sts:AssumeRoleWithSAML']) =>
      policy([{ Effect: 'Allow', Principal: { Federated: providerArn('TestIdP') }, Action: actions, ...(condition ? { Condition: condition } : {}) }]);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'SamlReader',
        AssumeRolePolicyDocument: trust({ StringEquals: { 'SAML:aud': AWS_RECIPIENT } }, ['sts:AssumeRoleWithSAML', 'sts:TagSession', 'sts:SetSourceIdentity']),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'SamlReader',
        PolicyName: 'read',
        PolicyDocument: policy([
          { Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' },
          { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/Team': 'ops' } } },
        ]),
      }),
    );
    await iam.send(new CreateRoleCommand({ RoleName: 'AliceOnly', AssumeRolePolicyDocument: trust({ StringEquals: { 'SAML:sub': 'alice@example.com' } }) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'NoTags', AssumeRolePolicyDocument: trust() }));
  });
  after(() => app.close());

  describe('SAML providers (IAM)', () => {
    test('create, get, list, update, tag and delete, as AWS answers them', async () => {
      const created = await iam.send(
        new CreateSAMLProviderCommand({ Name: 'Okta', SAMLMetadataDocument: idp.metadata(), Tags: [{ Key: 'team', Value: 'a' }] }),
      );
      assert.equal(created.SAMLProviderArn, providerArn('Okta'));
      assert.deepEqual(created.Tags, [{ Key: 'team', Value: 'a' }]);
      const got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta') }));
      assert.equal(got.SAMLMetadataDocument, idp.metadata());
      assert.match(got.SAMLProviderUUID!, /^[A-Z0-9]{22,64}$/);
      assert.equal(got.CreateDate!.getTime(), now.getTime());
      // No validUntil in the metadata: valid for 100 years, as AWS shows it.
      const hundredYears = new Date(now);
      hundredYears.setUTCFullYear(now.getUTCFullYear() + 100);
      assert.equal(got.ValidUntil!.getTime(), hundredYears.getTime());
      assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'a' }]);
      assert.equal(got.AssertionEncryptionMode, undefined);
      assert.equal(got.PrivateKeyList, undefined);

      const list = await iam.send(new ListSAMLProvidersCommand({}));
      const entry = list.SAMLProviderList!.find((p) => p.Arn === providerArn('Okta'))!;
      assert.deepEqual([entry.CreateDate!.getTime(), entry.ValidUntil!.getTime()], [now.getTime(), hundredYears.getTime()]);

      // A new document with a validUntil.
      const later = metadataDocument('https://other.example.com/saml', [otherIdp.certDer], { validUntil: '2031-01-02T03:04:05Z' });
      const updated = await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta'), SAMLMetadataDocument: later }));
      assert.equal(updated.SAMLProviderArn, providerArn('Okta'));
      const again = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta') }));
      assert.equal(again.SAMLMetadataDocument, later);
      assert.equal(again.ValidUntil!.toISOString(), '2031-01-02T03:04:05.000Z');

      await iam.send(new TagSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta'), Tags: [{ Key: 'env', Value: 'prod' }] }));
      await iam.send(new UntagSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta'), TagKeys: ['team'] }));
      const tags = await iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: providerArn('Okta') }));
      assert.deepEqual(tags.Tags, [{ Key: 'env', Value: 'prod' }]);

      // Names are unique whatever their case.
      const dup = await awsError(() => iam.send(new CreateSAMLProviderCommand({ Name: 'OKTA', SAMLMetadataDocument: idp.metadata() })));
      assert.deepEqual([dup.name, dup.status], ['EntityAlreadyExists', 409]);

      await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta') }));
      for (const send of [
        () => iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta') })),
        () => iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn('Okta') })),
        () => iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: providerArn('Okta') })),
      ]) {
        const gone = await awsError(send);
        assert.deepEqual([gone.name, gone.status, gone.message], ['NoSuchEntity', 404, `Manifest not found for arn ${providerArn('Okta')}`]);
      }
      const notArn = await awsError(() => iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: roleArn('SamlReader') })));
      assert.equal(notArn.name, 'InvalidInput');
    });

    test('metadata iamd cannot use is refused, and nothing is created', async () => {
      const cert = idp.certDer;
      const pad = (xml: string) => `${xml}<!-- ${'x'.repeat(1000)} -->`;
      const bad = [
        pad('<not-xml'),
        pad('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://x"/>'),
        metadataDocument('https://x.example.com', [cert]).replace('urn:oasis:names:tc:SAML:2.0:protocol"', 'urn:oasis:names:tc:SAML:1.1:protocol"'),
        metadataDocument('https://x.example.com', [cert.slice(0, 200) + cert.slice(260)]),
        metadataDocument('https://x.example.com', ['bm90IGEgY2VydGlmaWNhdGU=']),
        `<!DOCTYPE x [<!ENTITY e "entity">]>${metadataDocument('https://x.example.com', [cert]).replace(/^<\?xml[^>]*>\n/, '')}`,
        metadataDocument('', [cert]),
      ];
      for (const doc of bad.map((d) => (d.length < 1000 ? pad(d) : d))) {
        const e = await awsError(() => iam.send(new CreateSAMLProviderCommand({ Name: 'Bad', SAMLMetadataDocument: doc })));
        assert.deepEqual([e.name, e.status, e.message], ['InvalidInput', 400, 'Could not parse metadata.'], doc.slice(0, 120));
      }
      const short = await awsError(() => iam.send(new CreateSAMLProviderCommand({ Name: 'Bad', SAMLMetadataDocument: '<x/>' })));
      assert.equal(short.name, 'ValidationError');
      const badName = await awsError(() => iam.send(new CreateSAMLProviderCommand({ Name: 'has space', SAMLMetadataDocument: idp.metadata() })));
      assert.equal(badName.name, 'ValidationError');
      const list = await iam.send(new ListSAMLProvidersCommand({}));
      assert.equal(
        list.SAMLProviderList!.some((p) => p.Arn === providerArn('Bad')),
        false,
      );
    });

    test('private keys: added, listed by id only, sealed at rest, removed; AWS rules for encryption mode', async () => {
      const [k1, k2, k3] = rsaKeys as [string, string, string];
      const arn = providerArn('Keys');
      const refusedCreate = await awsError(() =>
        iam.send(new CreateSAMLProviderCommand({ Name: 'Keys', SAMLMetadataDocument: idp.metadata(), AssertionEncryptionMode: 'Required' })),
      );
      assert.deepEqual(
        [refusedCreate.name, refusedCreate.message],
        ['InvalidInput', 'Unable to set assertion encryption mode to Required because no private key is provided.'],
      );
      const badKey = await awsError(() =>
        iam.send(new CreateSAMLProviderCommand({ Name: 'Keys', SAMLMetadataDocument: idp.metadata(), AddPrivateKey: k1.slice(0, 300) })),
      );
      assert.deepEqual([badKey.name, badKey.message], ['InvalidInput', 'Invalid private key.']);
      await iam.send(
        new CreateSAMLProviderCommand({ Name: 'Keys', SAMLMetadataDocument: idp.metadata(), AssertionEncryptionMode: 'Required', AddPrivateKey: k1 }),
      );

      const update = (input: Omit<ConstructorParameters<typeof UpdateSAMLProviderCommand>[0], 'SAMLProviderArn'>) =>
        iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, ...input }));
      await update({ AddPrivateKey: k2 });
      const third = await awsError(() => update({ AddPrivateKey: k3 }));
      assert.deepEqual([third.name, third.status, third.message], ['LimitExceeded', 409, 'Private key limit of 2 is reached.']);
      const got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
      assert.equal(got.AssertionEncryptionMode, 'Required');
      const ids = got.PrivateKeyList!.map((k) => k.KeyId!);
      assert.equal(ids.length, 2);
      for (const k of got.PrivateKeyList!) {
        assert.match(k.KeyId!, /^[A-Z0-9]{22,64}$/);
        assert.equal(k.Timestamp!.getTime(), now.getTime());
      }
      // Never shown, and sealed in the store.
      assert.equal(JSON.stringify(got).includes('PRIVATE KEY'), false);
      const row = await app.store.read((repo) => repo.getEntityByName<{ privateKeys: { sealed: string }[] }>(ACCOUNT_ID, 'saml-provider', 'Keys'));
      assert.equal(JSON.stringify(row).includes('PRIVATE KEY'), false);
      assert.equal(row!.data.privateKeys.length, 2);

      const cases: [Parameters<typeof update>[0], string][] = [
        [{}, 'Unable to update identity provider. No updates are defined for metadata or encryption assertion.'],
        [
          { AddPrivateKey: k3, RemovePrivateKey: ids[0] },
          'Unable to add and remove private keys in the same request. Set a value for only one of the two parameters.',
        ],
        [{ RemovePrivateKey: 'A'.repeat(26) }, 'Failed to remove private key because the Key ID does not match a private key.'],
        [{ AddPrivateKey: 'not a key' }, 'Invalid private key.'],
      ];
      for (const [input, message] of cases) {
        const e = await awsError(() => update(input));
        assert.deepEqual([e.name, e.status, e.message], ['InvalidInput', 400, message]);
      }
      await update({ RemovePrivateKey: ids[0] });
      const last = await awsError(() => update({ RemovePrivateKey: ids[1] }));
      assert.deepEqual([last.name, last.message], ['InvalidInput', 'Failed to remove private key.']);
      await update({ AssertionEncryptionMode: 'Allowed' });
      await update({ RemovePrivateKey: ids[1] });
      const bare = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
      assert.deepEqual([bare.AssertionEncryptionMode, bare.PrivateKeyList], ['Allowed', undefined]);
      await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
    });

    test("each operation is authorized on the provider's ARN", async () => {
      await iam.send(new CreateSAMLProviderCommand({ Name: 'Mine', SAMLMetadataDocument: idp.metadata(), Tags: [{ Key: 'owner', Value: 'me' }] }));
      await iam.send(new CreateUserCommand({ UserName: 'saml-viewer' }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'saml-viewer',
          PolicyName: 'view',
          PolicyDocument: policy([
            { Effect: 'Allow', Action: 'iam:GetSAMLProvider', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/owner': 'me' } } },
            { Effect: 'Allow', Action: 'iam:ListSAMLProviders', Resource: '*' },
          ]),
        }),
      );
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'saml-viewer' }))).AccessKey!;
      const viewer = iamClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
      assert.equal((await viewer.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn('Mine') }))).SAMLMetadataDocument, idp.metadata());
      assert.ok((await viewer.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!.length >= 2);
      for (const send of [
        () => viewer.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn('Mine') })),
        () => viewer.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn('TestIdP') })),
        // A provider that does not exist is not revealed to a caller who may not read it.
        () => viewer.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn('Nothing') })),
        () => viewer.send(new CreateSAMLProviderCommand({ Name: 'Theirs', SAMLMetadataDocument: idp.metadata() })),
      ]) {
        const e = await awsError(send);
        assert.deepEqual([e.name, e.status], ['AccessDenied', 403]);
      }
      await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn('Mine') }));
    });

    test('at most 100 SAML providers per account', async () => {
      const doc = idp.metadata();
      const existing = (await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!.length;
      // Filled up to 99 in the store directly (fast); the 100th and the 101st through the API.
      await app.store.write(async (repo) => {
        for (let i = existing; i < 99; i++) {
          const data = { metadata: doc, entityId: idp.entityId, certificates: [idp.certDer], validUntil: '2100-01-01T00:00:00.000Z' };
          await repo.insertEntity({
            id: `QUOTA${String(i).padStart(21, '0')}`,
            accountId: ACCOUNT_ID,
            kind: 'saml-provider',
            name: `quota-${i}`,
            path: '/',
            createdAt: now,
            data,
          });
        }
      });
      await iam.send(new CreateSAMLProviderCommand({ Name: 'the-100th', SAMLMetadataDocument: doc }));
      const over = await awsError(() => iam.send(new CreateSAMLProviderCommand({ Name: 'one-too-many', SAMLMetadataDocument: doc })));
      assert.deepEqual([over.name, over.status, over.message], ['LimitExceeded', 409, 'Cannot exceed quota for SAMLProvidersPerAccount: 100']);
      const listed = (await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!;
      assert.equal(listed.length, 100);
      for (const p of listed) if (p.Arn !== providerArn('TestIdP')) await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: p.Arn }));
    });
  });

  describe('AssumeRoleWithSAML', () => {
    test("a valid response gives credentials that work, with the role's permissions and AWS's response fields", async () => {
      const out = await assume({ SAMLAssertion: b64(response()) });
      const c = out.Credentials!;
      assert.match(c.AccessKeyId!, /^ASIA/);
      assert.equal(c.Expiration!.getTime(), now.getTime() + 3600_000);
      assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/SamlReader/alice`);
      assert.equal(out.Subject, 'alice@example.com');
      assert.equal(out.SubjectType, 'persistent');
      assert.equal(out.Issuer, idp.entityId);
      assert.equal(out.Audience, AWS_RECIPIENT);
      const qualifier = createHash('sha1').update(`${idp.entityId}${ACCOUNT_ID}/TestIdP`).digest('base64');
      assert.equal(out.NameQualifier, qualifier);
      assert.equal(out.PackedPolicySize, undefined);

      const session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
      const me = await signedSts(session).send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, out.AssumedRoleUser!.Arn);
      assert.equal(me.Account, ACCOUNT_ID);
      const roles = await iamClient(app, session).send(new ListRolesCommand({}));
      assert.ok(roles.Roles!.some((r) => r.RoleName === 'SamlReader'));
      const denied = await awsError(() => iamClient(app, session).send(new ListUsersCommand({})));
      assert.deepEqual([denied.name, denied.status], ['AccessDenied', 403]);

      // The Response signed instead of the Assertion, or both; SHA-1 signatures; the pair in either order.
      for (const opts of [{ sign: 'response' }, { sign: 'both' }, { signatureAlgorithm: RSA_SHA1 }] as ResponseOptions[]) {
        assert.ok((await assume({ SAMLAssertion: b64(response(opts)) })).Credentials);
      }
      const reversed = response({ attributes: { Role: [`${providerArn('TestIdP')},${roleArn('SamlReader')}`], RoleSessionName: ['alice'] } });
      assert.ok((await assume({ SAMLAssertion: b64(reversed) })).Credentials);
    });

    test("the trust policy's SAML:sub and SAML:aud conditions decide", async () => {
      const attrs = (who: string) => ({ Role: [grant('AliceOnly')], RoleSessionName: [who] });
      const ok = await assume({ RoleArn: roleArn('AliceOnly'), SAMLAssertion: b64(response({ attributes: attrs('alice') })) });
      assert.ok(ok.Credentials);
      const bob = await awsError(() =>
        assume({ RoleArn: roleArn('AliceOnly'), SAMLAssertion: b64(response({ nameId: 'bob@example.com', attributes: attrs('bob') })) }),
      );
      assert.deepEqual([bob.name, bob.status, bob.message], ['AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithSAML']);
      // SamlReader trusts only the global endpoint as SAML:aud; a regional Recipient is accepted but not trusted.
      const regional = await awsError(() => assume({ SAMLAssertion: b64(response({ recipient: 'https://us-east-1.signin.aws.amazon.com/saml' })) }));
      assert.deepEqual([regional.name, regional.message], ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML']);
    });

    test('expired, not yet valid and stale responses', async () => {
      await refused(response({ confirmationSeconds: -600 }), 'ExpiredTokenException', 'Response has expired');
      await refused(response({ conditionsSeconds: -600 }), 'ExpiredTokenException', 'Response has expired');
      const stale = response({ issueInstant: new Date(now.getTime() - 10 * 60_000), confirmationSeconds: 3600, conditionsSeconds: 3600 });
      await refused(stale, 'ExpiredTokenException', 'Token must be redeemed within 5 minutes of issuance');
      await refused(response({ issueInstant: new Date(now.getTime() + 3600_000) }), 'InvalidIdentityToken', 'Response is not yet valid');
      // The server's clock moves on past the assertion's NotOnOrAfter.
      const fresh = response();
      now = new Date(now.getTime() + 10 * 60_000);
      try {
        await refused(fresh, 'ExpiredTokenException', /^(Response has expired|Token must be redeemed within 5 minutes of issuance)$/);
      } finally {
        now = new Date(now.getTime() - 10 * 60_000);
      }
    });

    test('signatures: another key, altered content, none at all, the wrong issuer, audience or recipient', async () => {
      await refused(response({}, otherIdp), 'InvalidIdentityToken', 'Response signature invalid');
      await refused(response({ sign: 'response' }, otherIdp), 'InvalidIdentityToken', 'Response signature invalid');
      await refused(response().replace('alice@example.com', 'admin@example.com'), 'InvalidIdentityToken', 'Response signature invalid');
      await refused(response({ sign: 'none' }), 'InvalidIdentityToken', 'Response signature invalid');
      // A valid assertion signature does not excuse an invalid Response signature.
      const both = response({ sign: 'both' });
      const doc = parse(both);
      doc.documentElement!.setAttribute('Destination', 'https://signin.aws.amazon.com/static/saml');
      await refused(serialize(doc), 'InvalidIdentityToken', 'Response signature invalid');

      await refused(response({ issuer: 'https://evil.example.com/saml' }), 'InvalidIdentityToken', 'Issuer not present in specified provider');
      await refused(response({ audiences: ['https://evil.example.com'] }), 'InvalidIdentityToken', 'Response does not contain the required audience.');
      await refused(
        response({ recipient: 'https://evil.example.com/saml' }),
        'InvalidIdentityToken',
        'Response Recipient is not a sign-in endpoint of this service.',
      );
      await refused(response({ status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' }), 'IDPRejectedClaim', /did not authenticate/);
    });

    test('XML signature wrapping and parser tricks are refused', async () => {
      const evilAssertion = (id: string) =>
        response({ nameId: 'admin@example.com', assertionId: id, sign: 'none' }).replace(/^[\s\S]*(<saml:Assertion[\s\S]*<\/saml:Assertion>)[\s\S]*$/, '$1');

      // 1. An unsigned evil Assertion before, or after, the signed one.
      const signed = response();
      const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0];
      await refused(signed.replace(signedAssertion, evilAssertion('_evil') + signedAssertion), 'InvalidIdentityToken', /more than one Assertion/);
      await refused(signed.replace(signedAssertion, signedAssertion + evilAssertion('_evil')), 'InvalidIdentityToken', /more than one Assertion/);

      // 2. The signed Assertion moved into Extensions (or the Signature's Object), an evil one in its place with its ID.
      const id = /ID="(_a[0-9a-f]+)"/.exec(signedAssertion)![1]!;
      const intoExtensions = signed.replace(signedAssertion, `<samlp:Extensions>${signedAssertion}</samlp:Extensions>${evilAssertion(id)}`);
      await refused(intoExtensions, 'InvalidIdentityToken', /more than one Assertion/);
      const responseSigned = response({ sign: 'response' });
      const rs = parse(responseSigned);
      const rsAssertion = first(rs, SAML, 'Assertion');
      const object = rs.createElementNS(DS, 'ds:Object');
      object.appendChild(rsAssertion.cloneNode(true));
      first(rs, DS, 'Signature').appendChild(object);
      rs.documentElement!.replaceChild(parse(evilAssertion('_evil2')).documentElement!, rsAssertion);
      await refused(serialize(rs), 'InvalidIdentityToken', /more than one Assertion/);

      // 3. The signed Response wrapped in a new one that carries only an evil assertion.
      const inner = parse(response({ sign: 'response' })).documentElement!;
      const outer = parse(response({ nameId: 'admin@example.com', sign: 'none', responseId: '_outer' }));
      const outerRoot = outer.documentElement!;
      outerRoot.replaceChild(outer.createElementNS(SAMLP, 'samlp:Extensions'), first(outer, SAML, 'Assertion'));
      first(outer, SAMLP, 'Extensions').appendChild(outer.importNode(inner, true));
      await refused(serialize(outer), 'InvalidIdentityToken', /Invalid SAML response/);

      // 4. A second element carrying the signed ID.
      const sameId = signed.replace('<samlp:Status>', `<samlp:Extensions><x xmlns="urn:x" ID="${id}"/></samlp:Extensions><samlp:Status>`);
      await refused(sameId, 'InvalidIdentityToken', 'Invalid SAML response: more than one element has the signed ID.');

      // 5. A comment in the NameID: c14n drops it, so the signature still verifies; a reader of the
      //    first text node would see admin@example.com. iamd refuses comments outright.
      const long = response({ nameId: 'admin@example.com.evil.com' });
      const commented = long.replace('admin@example.com.evil.com', 'admin@example.com<!---->.evil.com');
      await refused(commented, 'InvalidIdentityToken', 'Invalid SAML response: comments are not allowed.');

      // 6. An HMAC signature whose key is the IdP's certificate (public): forgeable by anyone.
      const unsigned = response({ sign: 'none', nameId: 'admin@example.com' });
      const hmac = new SignedXml({ privateKey: Buffer.from(idp.certDer, 'base64'), signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1' });
      hmac.enableHMAC();
      hmac.canonicalizationAlgorithm = 'http://www.w3.org/2001/10/xml-exc-c14n#';
      hmac.addReference({
        xpath: "//*[local-name(.)='Assertion']",
        transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
        digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
      });
      hmac.computeSignature(unsigned, { prefix: 'ds', location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
      await refused(hmac.getSignedXml(), 'InvalidIdentityToken', 'Invalid SAML response: the signature method is not one iamd accepts.');

      // 7. A DOCTYPE with an entity; not base64 at all.
      await refused(`<!DOCTYPE r [<!ENTITY who "admin">]>${signed}`, 'InvalidIdentityToken', 'Invalid SAML response: a DOCTYPE is not allowed.');
      const notB64 = await awsError(() => assume({ SAMLAssertion: '%%%% not base64 %%%%' }));
      assert.deepEqual([notB64.name, notB64.message], ['InvalidIdentityToken', 'Invalid SAML response: SAMLAssertion is not base64.']);
    });

    test('the Role attribute must pair the role with the provider; session name and source identity by AWS rules', async () => {
      const withAttrs = (attributes: Record<string, string[]>) => response({ attributes });
      const notGranted = `The SAML response does not grant role ${roleArn('SamlReader')} through provider ${providerArn('TestIdP')}.`;
      await refused(withAttrs({ Role: [grant('AliceOnly')], RoleSessionName: ['alice'] }), 'InvalidIdentityToken', notGranted);
      await refused(withAttrs({ Role: [grant('SamlReader', 'OtherIdP')], RoleSessionName: ['alice'] }), 'InvalidIdentityToken', notGranted);
      await refused(withAttrs({ RoleSessionName: ['alice'] }), 'InvalidIdentityToken', notGranted);
      await refused(withAttrs({ Role: [grant()] }), 'InvalidIdentityToken', 'RoleSessionName is required in AuthnResponse');
      await refused(
        withAttrs({ Role: [grant()], RoleSessionName: ['a b'] }),
        'InvalidIdentityToken',
        'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}',
      );
      await refused(
        withAttrs({ Role: [grant()], RoleSessionName: ['alice'], SourceIdentity: ['aws:me'] }),
        'InvalidIdentityToken',
        'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
      );
      const sourced = await assume({ SAMLAssertion: b64(withAttrs({ Role: [grant()], RoleSessionName: ['alice'], SourceIdentity: ['alice-src'] })) });
      assert.equal(sourced.SourceIdentity, 'alice-src');

      const missing = await awsError(() => assume({ PrincipalArn: providerArn('Nope'), SAMLAssertion: b64(response()) }));
      assert.deepEqual([missing.name, missing.message], ['InvalidIdentityToken', "Specified provider doesn't exist."]);
      const badPrincipal = await awsError(() => assume({ PrincipalArn: roleArn('SamlReader'), SAMLAssertion: b64(response()) }));
      assert.deepEqual([badPrincipal.name, badPrincipal.message], ['ValidationError', 'Principal ARN is invalid']);
      const badRole = await awsError(() => assume({ RoleArn: providerArn('TestIdP'), SAMLAssertion: b64(response()) }));
      assert.deepEqual([badRole.name, badRole.message], ['ValidationError', 'Request ARN is invalid']);
    });

    test('SessionDuration, SessionNotOnOrAfter and DurationSeconds bound the session', async () => {
      const attrs = { Role: [grant()], RoleSessionName: ['alice'] };
      const capped = await assume({ DurationSeconds: 3600, SAMLAssertion: b64(response({ attributes: { ...attrs, SessionDuration: ['900'] } })) });
      assert.equal(capped.Credentials!.Expiration!.getTime(), now.getTime() + 900_000);
      const longer = await assume({ DurationSeconds: 1800, SAMLAssertion: b64(response({ attributes: { ...attrs, SessionDuration: ['7200'] } })) });
      assert.equal(longer.Credentials!.Expiration!.getTime(), now.getTime() + 1800_000);
      const session = await assume({ SAMLAssertion: b64(response({ sessionNotOnOrAfter: new Date(now.getTime() + 1200_000) })) });
      assert.equal(session.Credentials!.Expiration!.getTime(), now.getTime() + 1200_000);
      await refused(response({ attributes: { ...attrs, SessionDuration: ['60'] } }), 'InvalidIdentityToken', /SessionDuration in AuthnResponse is not valid/);
      const tooLong = await awsError(() => assume({ DurationSeconds: 7200, SAMLAssertion: b64(response()) }));
      assert.deepEqual([tooLong.name, tooLong.message], ['ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.']);
      await iam.send(new UpdateRoleCommand({ RoleName: 'SamlReader', MaxSessionDuration: 7200 }));
      const allowed = await assume({ DurationSeconds: 7200, SAMLAssertion: b64(response()) });
      assert.equal(allowed.Credentials!.Expiration!.getTime(), now.getTime() + 7200_000);
      const malformed = await awsError(() => assume({ Policy: '{"Version":"2012-10-17","Statement":', SAMLAssertion: b64(response()) }));
      assert.equal(malformed.name, 'MalformedPolicyDocument');
    });

    test('PrincipalTag attributes become session tags the role trusts for sts:TagSession', async () => {
      const tagged = (team: string, role = 'SamlReader') =>
        response({ attributes: { Role: [grant(role)], RoleSessionName: ['alice'], 'PrincipalTag:Team': [team], TransitiveTagKeys: ['Team'] } });
      const ops = await assume({ SAMLAssertion: b64(tagged('ops')) });
      assert.ok(ops.PackedPolicySize! > 0);
      const c = ops.Credentials!;
      const session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
      assert.ok((await iamClient(app, session).send(new ListUsersCommand({}))).Users);
      const dev = (await assume({ SAMLAssertion: b64(tagged('dev')) })).Credentials!;
      const devSession = { accessKeyId: dev.AccessKeyId!, secretAccessKey: dev.SecretAccessKey!, sessionToken: dev.SessionToken! };
      assert.equal((await awsError(() => iamClient(app, devSession).send(new ListUsersCommand({})))).name, 'AccessDenied');

      const untrusted = await awsError(() => assume({ RoleArn: roleArn('NoTags'), SAMLAssertion: b64(tagged('ops', 'NoTags')) }));
      assert.deepEqual([untrusted.name, untrusted.message], ['AccessDenied', 'Not authorized to perform sts:TagSession']);
      const badTransitive = response({
        attributes: { Role: [grant()], RoleSessionName: ['alice'], 'PrincipalTag:Team': ['ops'], TransitiveTagKeys: ['Other'] },
      });
      await refused(badTransitive, 'InvalidIdentityToken', /TransitiveTagKeys in AuthnResponse is not valid/);
    });

    test('encrypted assertions: decrypted with the provider key; required when the provider says so', async () => {
      const [keyPem, otherKey] = rsaKeys as [string, string];
      await iam.send(
        new CreateSAMLProviderCommand({ Name: 'Sealed', SAMLMetadataDocument: idp.metadata(), AssertionEncryptionMode: 'Required', AddPrivateKey: keyPem }),
      );
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'SealedRole',
          AssumeRolePolicyDocument: policy([{ Effect: 'Allow', Principal: { Federated: providerArn('Sealed') }, Action: 'sts:AssumeRoleWithSAML' }]),
        }),
      );
      const attrs = { Role: [grant('SealedRole', 'Sealed')], RoleSessionName: ['alice'] };
      const input = { RoleArn: roleArn('SealedRole'), PrincipalArn: providerArn('Sealed') };
      for (const sign of ['assertion', 'response'] as const) {
        const out = await assume({ ...input, SAMLAssertion: b64(response({ attributes: attrs, encryptFor: keyPem, sign })) });
        assert.equal(out.Subject, 'alice@example.com');
      }
      await refused(response({ attributes: attrs }), 'InvalidIdentityToken', 'The SAML provider requires encrypted assertions.', input);
      await refused(response({ attributes: attrs, encryptFor: otherKey }), 'InvalidIdentityToken', 'The encrypted assertion could not be decrypted.', input);
      // Encrypted, but signed by someone else.
      await refused(response({ attributes: attrs, encryptFor: keyPem }, otherIdp), 'InvalidIdentityToken', 'Response signature invalid', input);
    });

    test('a provider whose metadata has expired is refused; a deleted provider no longer works', async () => {
      const expired = metadataDocument(idp.entityId, [idp.certDer, otherIdp.certDer], { validUntil: '2001-01-01T00:00:00Z' });
      await iam.send(new CreateSAMLProviderCommand({ Name: 'Expired', SAMLMetadataDocument: expired }));
      const e = await awsError(() =>
        assume({
          PrincipalArn: providerArn('Expired'),
          SAMLAssertion: b64(response({ attributes: { Role: [grant('SamlReader', 'Expired')], RoleSessionName: ['a1'] } })),
        }),
      );
      assert.deepEqual([e.name, e.message], ['InvalidIdentityToken', 'The SAML provider is no longer valid: its metadata expired.']);
      await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn('Expired') }));
      const gone = await awsError(() =>
        assume({
          PrincipalArn: providerArn('Expired'),
          SAMLAssertion: b64(response({ attributes: { Role: [grant('SamlReader', 'Expired')], RoleSessionName: ['a1'] } })),
        }),
      );
      assert.deepEqual([gone.name, gone.message], ['InvalidIdentityToken', "Specified provider doesn't exist."]);
    });

    test('aws CLI: sts assume-role-with-saml', async () => {
      const env = {
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
      };
      // The CLI runs on the real clock: the assertion is made for it.
      const assertion = b64(idp.response({ attributes: { Role: [grant()], RoleSessionName: ['cli-user'] } }));
      const realNow = now;
      now = new Date();
      try {
        const r = await run(
          'aws',
          [
            '--endpoint-url',
            app.url,
            '--output',
            'json',
            'sts',
            'assume-role-with-saml',
            '--role-arn',
            roleArn('SamlReader'),
            '--principal-arn',
            providerArn('TestIdP'),
            '--saml-assertion',
            assertion,
          ],
          env,
        );
        assert.equal(r.code, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/SamlReader/cli-user`);
        assert.equal(out.SubjectType, 'persistent');
      } finally {
        now = realNow;
      }
    });
  });
});
