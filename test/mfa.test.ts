// Virtual MFA devices through the real AWS SDK for JavaScript v3, against a fresh iamd whose clock
// the test controls, so that TOTP codes computed from the seed land in known time steps.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetMFADeviceCommand,
  ListMFADevicesCommand,
  ListMFADeviceTagsCommand,
  ListVirtualMFADevicesCommand,
  ResyncMFADeviceCommand,
  TagMFADeviceCommand,
  UntagMFADeviceCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import type { ActionContext } from '../src/actions/context.ts';
import { acceptMfaCode, mfaHandlers, rootMfaEnabled, mfaDevicesInUse } from '../src/iam/mfa.ts';
import { consecutiveCodesAt, timeStepAt, totpForStep, verifyConsecutiveTotp, verifyTotp } from '../src/crypto/totp.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp } from './helpers.ts';

const STEP_MS = 30_000;
const serialOf = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT_ID}:mfa${path}${name}`;

describe('TOTP (RFC 6238)', () => {
  test('RFC 6238 SHA-1 test vectors, truncated to 6 digits', () => {
    // Appendix B: secret "12345678901234567890" (Base32 below); 8-digit codes 94287082, 07081804, 89005924, 69279037.
    const seed = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    assert.equal(totpForStep(seed, timeStepAt(new Date(59_000))), '287082');
    assert.equal(totpForStep(seed, timeStepAt(new Date(1111111109_000))), '081804');
    assert.equal(totpForStep(seed, timeStepAt(new Date(1234567890_000))), '005924');
    assert.equal(totpForStep(seed, timeStepAt(new Date(2000000000_000))), '279037');
  });

  test('windows: ±1 step for one code; consecutive pairs; malformed codes', () => {
    const seed = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const now = new Date(1_700_000_010_000);
    const s = timeStepAt(now);
    assert.equal(verifyTotp(seed, totpForStep(seed, s - 1), now), s - 1);
    assert.equal(verifyTotp(seed, totpForStep(seed, s + 1), now), s + 1);
    assert.equal(verifyTotp(seed, totpForStep(seed, s + 2), now), undefined);
    assert.equal(verifyTotp(seed, '12345', now), undefined);
    const [c1, c2] = consecutiveCodesAt(seed, now);
    assert.equal(verifyConsecutiveTotp(seed, c1, c2, now), s);
    assert.equal(verifyConsecutiveTotp(seed, c2, c1, now), undefined);
    assert.equal(verifyConsecutiveTotp(seed, c2, c2, now), undefined);
    assert.equal(verifyConsecutiveTotp(seed, totpForStep(seed, s - 2), c2, now), undefined);
  });
});

describe('virtual MFA devices with @aws-sdk/client-iam', () => {
  let app: App;
  let iam: IAMClient;
  // Near the real time (SigV4 checks the request date against the server's clock): starting 5
  // minutes behind it, the ~16 steps the tests advance keep within a few minutes either way.
  let now = new Date((Math.floor(Date.now() / STEP_MS) - 10) * STEP_MS + 5_000);
  const tick = (steps = 1) => {
    now = new Date(now.getTime() + steps * STEP_MS);
  };
  const seeds = new Map<string, string>();

  async function createDevice(name: string, extra: { Path?: string; Tags?: { Key: string; Value: string }[] } = {}) {
    const out = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name, ...extra }));
    const device = out.VirtualMFADevice!;
    const seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
    seeds.set(device.SerialNumber!, seed);
    return { device, seed };
  }

  async function enable(userName: string, serial: string) {
    const [code1, code2] = consecutiveCodesAt(seeds.get(serial)!, now);
    await iam.send(new EnableMFADeviceCommand({ UserName: userName, SerialNumber: serial, AuthenticationCode1: code1, AuthenticationCode2: code2 }));
  }

  const accept = (serial: string, userId: string | null, code: string) =>
    app.store.write((repo) => acceptMfaCode(repo, ACCOUNT_ID, serial, userId, code, now, app.services.secrets));

  before(async () => {
    app = await startTestApp({}, () => now);
    iam = iamClient(app);
  });
  after(() => app.close());

  test('create returns the seed and QR code once; lists and gets never show them', async () => {
    const { device, seed } = await createDevice('alice-phone', { Tags: [{ Key: 'team', Value: 'red' }] });
    assert.equal(device.SerialNumber, serialOf('alice-phone'));
    assert.match(seed, /^[A-Z2-7]{32}$/);
    const png = Buffer.from(device.QRCodePNG!);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual(device.Tags, [{ Key: 'team', Value: 'red' }]);

    const withPath = await createDevice('ops-token', { Path: '/ops/' });
    assert.equal(withPath.device.SerialNumber, serialOf('ops-token', '/ops/'));

    const dup = await awsError(() => iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'ALICE-PHONE' })));
    assert.deepEqual(dup, { name: 'EntityAlreadyExists', message: 'MFADevice entity at the same path and name already exists.', status: 409 });

    const listed = await iam.send(new ListVirtualMFADevicesCommand({}));
    assert.deepEqual(
      listed.VirtualMFADevices?.map((d) => d.SerialNumber),
      [serialOf('alice-phone'), serialOf('ops-token', '/ops/')],
    );
    for (const d of listed.VirtualMFADevices ?? []) {
      assert.equal(d.Base32StringSeed, undefined);
      assert.equal(d.QRCodePNG, undefined);
      assert.equal(d.User, undefined);
      assert.equal(d.EnableDate, undefined);
    }
    const paged = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 1 }));
    assert.equal(paged.IsTruncated, true);
    const rest = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 1, Marker: paged.Marker }));
    assert.deepEqual(
      rest.VirtualMFADevices?.map((d) => d.SerialNumber),
      [serialOf('ops-token', '/ops/')],
    );
    assert.equal(rest.IsTruncated, false);
  });

  test('enable needs two consecutive codes; wrong codes change nothing', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const serial = serialOf('alice-phone');
    const seed = seeds.get(serial)!;
    const s = timeStepAt(now);
    const bad = [
      ['000000', '000000'],
      [totpForStep(seed, s), totpForStep(seed, s)], // the same code twice
      [totpForStep(seed, s), totpForStep(seed, s - 1)], // wrong order
      [totpForStep(seed, s - 3), totpForStep(seed, s)], // not consecutive
      [totpForStep(seed, s - 6), totpForStep(seed, s - 5)], // consecutive, but long ago
    ];
    for (const [AuthenticationCode1, AuthenticationCode2] of bad) {
      const err = await awsError(() =>
        iam.send(new EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: serial, AuthenticationCode1, AuthenticationCode2 })),
      );
      assert.deepEqual(err, { name: 'InvalidAuthenticationCode', message: 'Authentication code for device is not valid.', status: 403 });
    }
    assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices, []);
    const unassigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
    assert.ok(unassigned.VirtualMFADevices?.some((d) => d.SerialNumber === serial));
    const notEnabled = await awsError(() => iam.send(new GetMFADeviceCommand({ UserName: 'alice', SerialNumber: serial })));
    assert.equal(notEnabled.name, 'NoSuchEntity');

    const noUser = await awsError(() =>
      iam.send(new EnableMFADeviceCommand({ UserName: 'nobody', SerialNumber: serial, AuthenticationCode1: '123456', AuthenticationCode2: '654321' })),
    );
    assert.deepEqual(noUser, { name: 'NoSuchEntity', message: 'The user with name nobody cannot be found.', status: 404 });
    const missing = serialOf('no-such-device');
    const noDevice = await awsError(() =>
      iam.send(new EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: missing, AuthenticationCode1: '123456', AuthenticationCode2: '654321' })),
    );
    assert.deepEqual(noDevice, { name: 'NoSuchEntity', message: `MFA Device with serial number ${missing} does not exist.`, status: 404 });

    // The codes a device shows at s-1 and s, submitted during s (or, late, during s+1) are accepted.
    const [code1, code2] = consecutiveCodesAt(seed, now);
    tick();
    await iam.send(new EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: serial, AuthenticationCode1: code1, AuthenticationCode2: code2 }));

    const mine = await iam.send(new ListMFADevicesCommand({ UserName: 'alice' }));
    assert.equal(mine.MFADevices?.length, 1);
    const device = mine.MFADevices?.[0];
    assert.ok(device);
    assert.equal(device.UserName, 'alice');
    assert.equal(device.SerialNumber, serial);
    assert.equal(device.EnableDate?.getTime(), Math.floor(now.getTime() / 1000) * 1000);

    const got = await iam.send(new GetMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
    assert.equal(got.UserName, 'alice');
    assert.equal(got.SerialNumber, serial);
    assert.ok(got.EnableDate instanceof Date);

    const assigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
    assert.equal(assigned.VirtualMFADevices?.length, 1);
    const entry = assigned.VirtualMFADevices![0];
    assert.ok(entry);
    assert.equal(entry.SerialNumber, serial);
    assert.equal(entry.User?.UserName, 'alice');
    assert.equal(entry.User?.Arn, `arn:aws:iam::${ACCOUNT_ID}:user/alice`);
    assert.ok(entry.EnableDate instanceof Date);
    assert.equal(entry.Base32StringSeed, undefined);
    assert.equal(entry.QRCodePNG, undefined);
    const unassignedNow = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
    assert.deepEqual(
      unassignedNow.VirtualMFADevices?.map((d) => d.SerialNumber),
      [serialOf('ops-token', '/ops/')],
    );

    const again = await awsError(() => enable('alice', serial));
    assert.deepEqual(again, { name: 'EntityAlreadyExists', message: 'MFA Device is already in use.', status: 409 });
  });

  test('acceptMfaCode: valid once, never a used or older code, only for its owner', async () => {
    const serial = serialOf('alice-phone');
    const seed = seeds.get(serial)!;
    const aliceId = (await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }))).VirtualMFADevices?.[0]?.User?.UserId;
    assert.ok(aliceId, 'alice has an assigned device');
    // Enable consumed the codes it was given.
    const enabledStep = timeStepAt(now) - 1;
    assert.equal(await accept(serial, aliceId, totpForStep(seed, enabledStep)), false);
    assert.equal(await accept(serial, aliceId, totpForStep(seed, enabledStep - 1)), false);

    tick();
    const code = totpForStep(seed, timeStepAt(now));
    assert.equal(await accept(serial, null, code), false, 'not root’s device');
    assert.equal(await accept(serial, 'AIDAOTHERUSER00000000', code), false, 'not that user’s device');
    assert.equal(await accept(serial, aliceId, '000000'), false);
    assert.equal(
      await accept(serialOf('ops-token', '/ops/'), aliceId, totpForStep(seeds.get(serialOf('ops-token', '/ops/'))!, timeStepAt(now))),
      false,
      'unassigned device',
    );
    assert.equal(await accept(serial, aliceId, code), true);
    assert.equal(await accept(serial, aliceId, code), false, 'a code is accepted only once');
    // A code of the previous step, still within the window, is older than the one used: refused.
    assert.equal(await accept(serial, aliceId, totpForStep(seed, timeStepAt(now) - 1)), false);
    // The next step's code (a device running slightly fast) is fine.
    assert.equal(await accept(serial, aliceId, totpForStep(seed, timeStepAt(now) + 1)), true);
  });

  test('resync measures a drifted clock; codes then follow the drift', async () => {
    const serial = serialOf('alice-phone');
    const seed = seeds.get(serial)!;
    tick(4);
    const ahead = timeStepAt(now) + 6; // the device runs 3 minutes fast
    assert.equal(await accept(serial, null, totpForStep(seed, ahead)), false);

    const bad = await awsError(() =>
      iam.send(
        new ResyncMFADeviceCommand({
          UserName: 'alice',
          SerialNumber: serial,
          AuthenticationCode1: totpForStep(seed, ahead),
          AuthenticationCode2: totpForStep(seed, ahead - 1),
        }),
      ),
    );
    assert.deepEqual(bad, { name: 'InvalidAuthenticationCode', message: 'Authentication code for device is not valid.', status: 403 });
    await iam.send(
      new ResyncMFADeviceCommand({
        UserName: 'alice',
        SerialNumber: serial,
        AuthenticationCode1: totpForStep(seed, ahead - 1),
        AuthenticationCode2: totpForStep(seed, ahead),
      }),
    );

    tick();
    const aliceId = (await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }))).VirtualMFADevices?.[0]?.User?.UserId;
    assert.ok(aliceId, 'alice has an assigned device');
    assert.equal(await accept(serial, aliceId, totpForStep(seed, timeStepAt(now))), false, 'the un-drifted code is now out of the window');
    assert.equal(await accept(serial, aliceId, totpForStep(seed, timeStepAt(now) + 6)), true);

    const notHers = await awsError(() =>
      iam.send(
        new ResyncMFADeviceCommand({
          UserName: 'alice',
          SerialNumber: serialOf('ops-token', '/ops/'),
          AuthenticationCode1: '123456',
          AuthenticationCode2: '654321',
        }),
      ),
    );
    assert.equal(notHers.name, 'NoSuchEntity');
    assert.equal(notHers.status, 404);
  });

  test('device tags', async () => {
    const serial = serialOf('alice-phone');
    await iam.send(
      new TagMFADeviceCommand({
        SerialNumber: serial,
        Tags: [
          { Key: 'owner', Value: 'alice' },
          { Key: 'TEAM', Value: 'blue' },
        ],
      }),
    );
    const tags = await iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial }));
    assert.deepEqual(tags.Tags, [
      { Key: 'TEAM', Value: 'blue' },
      { Key: 'owner', Value: 'alice' },
    ]);
    assert.equal(tags.IsTruncated, false);
    const page = await iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial, MaxItems: 1 }));
    assert.equal(page.Tags?.length, 1);
    assert.equal(page.IsTruncated, true);
    await iam.send(new UntagMFADeviceCommand({ SerialNumber: serial, TagKeys: ['team'] }));
    assert.deepEqual((await iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial }))).Tags, [{ Key: 'owner', Value: 'alice' }]);
    const missing = serialOf('nope');
    const err = await awsError(() => iam.send(new ListMFADeviceTagsCommand({ SerialNumber: missing })));
    assert.deepEqual(err, { name: 'NoSuchEntity', message: `MFA Device with serial number ${missing} does not exist.`, status: 404 });
  });

  test('an assigned device blocks DeleteUser and DeleteVirtualMFADevice until deactivated', async () => {
    const serial = serialOf('alice-phone');
    const userConflict = await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'alice' })));
    assert.deepEqual(userConflict, { name: 'DeleteConflict', message: 'Cannot delete entity, must delete MFA device first.', status: 409 });
    const deviceConflict = await awsError(() => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })));
    assert.equal(deviceConflict.name, 'DeleteConflict');
    assert.equal(deviceConflict.status, 409);

    const wrongDevice = await awsError(() => iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serialOf('ops-token', '/ops/') })));
    assert.equal(wrongDevice.name, 'NoSuchEntity');
    const missing = serialOf('nope');
    const noDevice = await awsError(() => iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: missing })));
    assert.deepEqual(noDevice, { name: 'NoSuchEntity', message: `MFA Device with serial number ${missing} does not exist.`, status: 404 });

    await iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
    assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices, []);
    const unassigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
    assert.ok(unassigned.VirtualMFADevices?.some((d) => d.SerialNumber === serial));
    const aliceGone = await awsError(() => iam.send(new GetMFADeviceCommand({ UserName: 'alice', SerialNumber: serial })));
    assert.equal(aliceGone.name, 'NoSuchEntity');
    assert.equal(await app.store.read((repo) => mfaDevicesInUse(repo, ACCOUNT_ID)), 0);

    // Re-enabling refuses codes no newer than the last accepted one (resync left it 6 steps
    // ahead of the clock); once time has passed it, fresh codes work.
    tick();
    const stale = await awsError(() => enable('alice', serial));
    assert.equal(stale.name, 'InvalidAuthenticationCode');
    tick(6);
    await enable('alice', serial);
    await iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));

    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    await iam.send(new DeleteUserCommand({ UserName: 'alice' }));
    const gone = await awsError(() => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })));
    assert.deepEqual(gone, { name: 'NoSuchEntity', message: `MFA Device with serial number ${serial} does not exist.`, status: 404 });
    // The name is free again.
    await createDevice('alice-phone');
    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
  });

  test('at most 8 MFA devices per user', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    for (let i = 1; i <= 9; i++) await createDevice(`bob-${i}`);
    for (let i = 1; i <= 8; i++) await enable('bob', serialOf(`bob-${i}`));
    const err = await awsError(() => enable('bob', serialOf('bob-9')));
    assert.deepEqual(err, { name: 'LimitExceeded', message: 'Cannot exceed quota for MFADevicesPerUser: 8', status: 409 });
    assert.equal((await iam.send(new ListMFADevicesCommand({ UserName: 'bob' }))).MFADevices?.length, 8);
    const page = await iam.send(new ListMFADevicesCommand({ UserName: 'bob', MaxItems: 5 }));
    assert.equal(page.MFADevices?.length, 5);
    const rest = await iam.send(new ListMFADevicesCommand({ UserName: 'bob', Marker: page.Marker }));
    assert.equal(rest.MFADevices?.length, 3);
    assert.equal(new Set([...page.MFADevices!, ...rest.MFADevices!].map((d) => d.SerialNumber)).size, 8);
    assert.equal(await app.store.read((repo) => mfaDevicesInUse(repo, ACCOUNT_ID)), 8);
  });

  test('users act on their own devices only as their policies allow', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    const carol = iamClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const denied = await awsError(() => carol.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'carol' })));
    assert.equal(denied.name, 'AccessDenied');
    const listDenied = await awsError(() => carol.send(new ListMFADevicesCommand({})));
    assert.equal(listDenied.name, 'AccessDenied');
    assert.match(listDenied.message, /iam:ListMFADevices/);
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.AccessKeyId! }));
  });

  test("root's own device (enabled without UserName, as the console does) and AccountMFAEnabled's source", async () => {
    const { device } = await createDevice('root-account-mfa-device');
    const serial = device.SerialNumber!;
    assert.equal(serial, `arn:aws:iam::${ACCOUNT_ID}:mfa/root-account-mfa-device`);
    assert.equal(await app.store.read((repo) => rootMfaEnabled(repo, ACCOUNT_ID)), false);

    // The Query API model requires UserName, so root enables its own device through the handler.
    const rootArn = `arn:aws:iam::${ACCOUNT_ID}:root`;
    const ctx: ActionContext = {
      caller: { type: 'Root', accountId: ACCOUNT_ID, partition: 'aws', arn: rootArn, userId: ACCOUNT_ID },
      request: { sourceIp: '127.0.0.1', userAgent: 'test', secureTransport: false, region: 'us-east-1', now },
      services: app.services,
      requestId: 'test',
      authorized: false,
      async authorize() {
        ctx.authorized = true;
      },
    };
    const [AuthenticationCode1, AuthenticationCode2] = consecutiveCodesAt(seeds.get(serial)!, now);
    await mfaHandlers.EnableMFADevice(ctx, { SerialNumber: serial, AuthenticationCode1, AuthenticationCode2 });
    assert.equal(await app.store.read((repo) => rootMfaEnabled(repo, ACCOUNT_ID)), true);

    const listed = await mfaHandlers.ListMFADevices(ctx, {});
    assert.deepEqual(
      (listed as { MFADevices: { SerialNumber: string }[] }).MFADevices.map((d) => d.SerialNumber),
      [serial],
    );
    const assigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
    const rootEntry = assigned.VirtualMFADevices?.find((d) => d.SerialNumber === serial);
    assert.equal(rootEntry?.User?.Arn, rootArn);
    assert.equal(rootEntry?.User?.UserId, ACCOUNT_ID);

    tick();
    const code = totpForStep(seeds.get(serial)!, timeStepAt(now));
    assert.equal(await accept(serial, 'AIDASOMEUSER000000000', code), false);
    assert.equal(await accept(serial, null, code), true);

    await mfaHandlers.DeactivateMFADevice(ctx, { SerialNumber: serial });
    assert.equal(await app.store.read((repo) => rootMfaEnabled(repo, ACCOUNT_ID)), false);
    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
  });
});
