// Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
// DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices, GetMFADevice
// and device tags; plus acceptMfaCode for STS (GetSessionToken / AssumeRole with SerialNumber).
//
// Each device is an entity of kind 'mfa' whose id is its serial number (the device ARN). Its seed
// is sealed at rest under the device's serial and appears in CreateVirtualMFADevice's response
// and nowhere else, ever. A device is assigned when it has an enable date; its owner is an IAM
// user's id, or null for the account's root user. An accepted code's time step is recorded, so
// no code (nor an older one) is accepted twice.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html
import { awsError } from '../errors/messages.ts';
import { rootArn } from '../domain/arn.ts';
import { timeStepAt, verifyConsecutiveTotp, verifyTotp, newSeed, provisioningUri, qrCodePng } from '../crypto/totp.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers, IamInput } from '../actions/registry.ts';
import type { User } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { arnFor, checkTags, maxItemsOf, pageArray, pageInfo, userOutput, type UserData, requestTagContext } from './common.ts';
import { resolveUser } from './users.ts';
import { enablePasskey, isPasskeySerial, removePasskey } from './passkeys.ts';
import type { PasskeyTable } from '../store/schema.ts';

/** AWS's quota: up to 8 MFA devices of any kind per user (and for the root user). */
export const MFA_DEVICES_PER_USER = 8;
/** EnableMFADevice: the second code may be from the step before, of, or after now. */
export const ENABLE_WINDOW_STEPS = 1;
/** ResyncMFADevice: how far (in 30 s steps, either way) a drifted device's clock may be: 10 minutes. */
export const RESYNC_WINDOW_STEPS = 20;
/** Sign-in / STS codes: ±1 step around now, shifted by the drift recorded at resync. */
export const ACCEPT_WINDOW_STEPS = 1;

export interface MfaDeviceData {
  /** The Base32 seed, sealed with the secret box under the serial number. */
  seed: string;
  /** The owner while assigned: an IAM user's id, or null for the root user. */
  userId?: string | null;
  /** ISO time of EnableMFADevice; present exactly while the device is assigned. */
  enableDate?: string;
  /** The latest time step whose code was accepted; codes of this step or earlier are refused. */
  lastStep?: number;
  /** Steps the device's clock is ahead (+) or behind (−), as measured by ResyncMFADevice. */
  drift?: number;
}

type Device = EntityRow<MfaDeviceData>;

/**
 * The store's name of a virtual device: its path and name together, since a name is unique only
 * under one path (the store's entity names are unique per account and kind). Devices stored before
 * keep their bare name; deviceNameTaken checks both forms.
 */
function storedDeviceName(path: string, name: string): string {
  return `${path}${name}`;
}

async function deviceNameTaken(repo: Repo, accountId: string, path: string, name: string): Promise<boolean> {
  if (await repo.getEntityByName(accountId, 'mfa', storedDeviceName(path, name))) return true;
  const legacy = await repo.getEntityByName(accountId, 'mfa', name);
  return legacy !== undefined && legacy.path === path;
}

/** Whose devices an action is about: an IAM user, or (user null) the root user. */
interface Owner {
  user: EntityRow<UserData> | null;
}

const deviceNotFound = (serial: string) => awsError('mfaDeviceNotFound', { serial });
const invalidForUser = () => awsError('mfaDeviceNotForUser');
const invalidCode = () => awsError('mfaAuthenticationCodeInvalid');

function isAssigned(device: Device): boolean {
  return device.data.enableDate !== undefined;
}

function assignedTo(device: Device, owner: Owner): boolean {
  return isAssigned(device) && device.data.userId === (owner.user ? owner.user.id : null);
}

async function findDevice(repo: Repo, accountId: string, serial: string): Promise<Device | undefined> {
  const device = await repo.getEntityById<MfaDeviceData>(serial);
  return device && device.kind === 'mfa' && device.accountId === accountId ? device : undefined;
}

/**
 * The owner an action names: UserName, else the calling user, else (for root, when the request
 * names no user) the root user. Authorized on the user's ARN, or on root's for root.
 */
async function mfaOwner(repo: Repo, ctx: ActionContext, action: string, input: { UserName?: string }): Promise<Owner> {
  if (input.UserName === undefined && ctx.caller.type === 'Root') {
    await ctx.authorize(action, ctx.caller.arn);
    return { user: null };
  }
  return { user: await resolveUser(repo, ctx, action, input) };
}

/** Every MFA device of the account that passes `filter`, in name order. */
async function allDevices(repo: Repo, accountId: string, filter: (d: Device) => boolean): Promise<Device[]> {
  const out: Device[] = [];
  let marker: string | undefined;
  do {
    const page = await repo.listEntities<MfaDeviceData>(accountId, 'mfa', { marker, maxItems: 1000, filter });
    out.push(...page.items);
    marker = page.marker;
  } while (marker !== undefined);
  return out;
}

/** Serial numbers of the devices enabled for an owner. */
async function ownerSerials(repo: Repo, accountId: string, owner: Owner): Promise<string[]> {
  if (owner.user) return owner.user.data.mfaSerials ?? [];
  // The root user's FIDO devices are in the passkeys table only (an IAM user's are in mfaSerials too).
  const passkeys = (await repo.listPasskeys(accountId, null)).map((p) => p.serial);
  return [...(await allDevices(repo, accountId, (d) => isAssigned(d) && d.data.userId === null)).map((d) => d.id), ...passkeys];
}

/** The FIDO device `serial` if it is enabled for `owner`. */
async function ownedPasskey(repo: Repo, accountId: string, owner: Owner, serial: string): Promise<PasskeyTable | undefined> {
  if (!isPasskeySerial(serial)) return undefined;
  const device = await repo.getPasskey(serial);
  return device && device.account_id === accountId && device.user_id === (owner.user ? owner.user.id : null) ? device : undefined;
}

/**
 * Enables a FIDO security key or passkey the console registered (WebAuthn verified), for an IAM
 * user or (user_id null) the root user: one MFA device more, within the owner's quota of 8.
 */
export async function enableFidoDevice(repo: Repo, row: PasskeyTable): Promise<void> {
  await enablePasskey(repo, row, async () => (await ownerSerials(repo, row.account_id, { user: null })).length);
}

async function setUserSerials(repo: Repo, user: EntityRow<UserData>, serials: string[]): Promise<void> {
  const data: UserData = { ...user.data, mfaSerials: serials };
  if (serials.length === 0) delete data.mfaSerials;
  await repo.updateEntity(user.id, { data });
}

/** The User structure of an assigned device: the IAM user, or the root user as GetUser shows it. */
async function deviceUser(repo: Repo, ctx: ActionContext, device: Device): Promise<User | undefined> {
  if (!isAssigned(device)) return undefined;
  if (device.data.userId === null) {
    // The caller's own account: it exists (the caller authenticated against it).
    const account = await repo.getAccount(ctx.caller.accountId);
    if (!account) return undefined;
    return { UserId: ctx.caller.accountId, Arn: rootArn(ctx.caller.partition, ctx.caller.accountId), CreateDate: new Date(account.created_at) };
  }
  const user = await repo.getEntityById<UserData>(device.data.userId!);
  return user ? userOutput(repo, ctx, user, false) : undefined;
}

/**
 * The input of EnableMFADevice and ResyncMFADevice with UserName optional: the model requires it
 * (so the Query API always gives one), but mfaOwner also serves the root user's own device when
 * there is none, and test/mfa.test.ts calls the handler that way.
 */
type OwnDevice<T extends { UserName: string }> = Omit<T, 'UserName'> & { UserName?: string };

export const mfaHandlers = {
  async CreateVirtualMFADevice(ctx, input) {
    const path = input.Path ?? '/';
    const name = input.VirtualMFADeviceName;
    const tags = checkTags(input.Tags);
    const serial = arnFor(ctx, 'mfa', name, path);
    const context = requestTagContext(tags);
    await ctx.authorize('iam:CreateVirtualMFADevice', serial, context);
    if (tags.length > 0) await ctx.authorize('iam:TagMFADevice', serial, context);
    const seed = newSeed();
    const accountName = await ctx.services.store.write(async (repo) => {
      if (await deviceNameTaken(repo, ctx.caller.accountId, path, name)) throw awsError('mfaDeviceExists');
      const device: Device = {
        id: serial,
        accountId: ctx.caller.accountId,
        kind: 'mfa',
        name: storedDeviceName(path, name),
        path,
        createdAt: ctx.request.now,
        data: { seed: ctx.services.secrets.seal(seed, serial) },
      };
      await repo.insertEntity(device);
      await repo.putTags(device.id, tags);
      const account = await repo.getAccount(ctx.caller.accountId);
      return account?.alias ?? ctx.caller.accountId;
    });
    return {
      VirtualMFADevice: {
        SerialNumber: serial,
        // Blobs: the SDKs hand back the bytes of the Base32 text and of the PNG.
        Base32StringSeed: Buffer.from(seed, 'ascii'),
        QRCodePNG: await qrCodePng(provisioningUri(seed, name, accountName)),
        Tags: tags.length > 0 ? tags : undefined,
      },
    };
  },

  async EnableMFADevice(ctx, input: OwnDevice<IamInput<'EnableMFADevice'>>) {
    return ctx.services.store.write(async (repo) => {
      const owner = await mfaOwner(repo, ctx, 'iam:EnableMFADevice', input);
      const serial = input.SerialNumber;
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      if (!device) throw deviceNotFound(serial);
      if (isAssigned(device)) throw awsError('mfaDeviceAlreadyEnabled');
      const serials = await ownerSerials(repo, ctx.caller.accountId, owner);
      // INVARIANT: never more than 8 devices per user (checked inside the write transaction).
      if (serials.length >= MFA_DEVICES_PER_USER) throw awsError('quotaExceeded', { quota: 'MFADevicesPerUser', limit: MFA_DEVICES_PER_USER });
      const seed = ctx.services.secrets.open(device.data.seed, device.id);
      const step = verifyConsecutiveTotp(seed, input.AuthenticationCode1, input.AuthenticationCode2, ctx.request.now, ENABLE_WINDOW_STEPS);
      if (step === undefined || step <= (device.data.lastStep ?? -1)) throw invalidCode();
      const data: MfaDeviceData = {
        seed: device.data.seed,
        userId: owner.user ? owner.user.id : null,
        enableDate: ctx.request.now.toISOString(),
        lastStep: step,
        drift: 0,
      };
      await repo.updateEntity(device.id, { data });
      if (owner.user) await setUserSerials(repo, owner.user, [...serials, device.id]);
      return undefined;
    });
  },

  async ResyncMFADevice(ctx, input: OwnDevice<IamInput<'ResyncMFADevice'>>) {
    return ctx.services.store.write(async (repo) => {
      const owner = await mfaOwner(repo, ctx, 'iam:ResyncMFADevice', input);
      const serial = input.SerialNumber;
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      if (!device) throw deviceNotFound(serial);
      if (!assignedTo(device, owner)) throw invalidForUser();
      const seed = ctx.services.secrets.open(device.data.seed, device.id);
      const step = verifyConsecutiveTotp(seed, input.AuthenticationCode1, input.AuthenticationCode2, ctx.request.now, RESYNC_WINDOW_STEPS);
      if (step === undefined || step <= (device.data.lastStep ?? -1)) throw invalidCode();
      await repo.updateEntity(device.id, { data: { ...device.data, lastStep: step, drift: step - timeStepAt(ctx.request.now) } });
      return undefined;
    });
  },

  async DeactivateMFADevice(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await mfaOwner(repo, ctx, 'iam:DeactivateMFADevice', input);
      const serial = input.SerialNumber;
      // A FIDO security key or passkey: deactivating removes it (it is registered again in the console).
      if (isPasskeySerial(serial)) {
        const fido = await repo.getPasskey(serial);
        if (!fido || fido.account_id !== ctx.caller.accountId) throw deviceNotFound(serial);
        const passkey = await ownedPasskey(repo, ctx.caller.accountId, owner, serial);
        if (!passkey) throw invalidForUser();
        await removePasskey(repo, passkey);
        return undefined;
      }
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      if (!device) throw deviceNotFound(serial);
      if (!assignedTo(device, owner)) throw invalidForUser();
      // The device stays, unassigned, with its seed; the last step stays too, against replay.
      const data: MfaDeviceData = { seed: device.data.seed, lastStep: device.data.lastStep };
      await repo.updateEntity(device.id, { data });
      if (owner.user) {
        await setUserSerials(
          repo,
          owner.user,
          (owner.user.data.mfaSerials ?? []).filter((s) => s !== device.id),
        );
      }
      return undefined;
    });
  },

  async DeleteVirtualMFADevice(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const serial = input.SerialNumber;
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      // The serial number of a virtual device is its ARN, whether or not it exists.
      await ctx.authorize('iam:DeleteVirtualMFADevice', device ? device.id : serial);
      if (!device) throw deviceNotFound(serial);
      if (isAssigned(device)) throw awsError('mfaDeviceInUse');
      await repo.deleteEntity(device.id);
      return undefined;
    });
  },

  async ListMFADevices(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const owner = await mfaOwner(repo, ctx, 'iam:ListMFADevices', input);
      const serials = await ownerSerials(repo, ctx.caller.accountId, owner);
      const virtual = (await repo.getEntitiesByIds<MfaDeviceData>(serials)).filter((d) => d.kind === 'mfa' && assignedTo(d, owner));
      // Virtual devices and FIDO security keys / passkeys together, in the order they were enabled.
      const devices = [
        ...virtual.map((d) => ({ serial: d.id, enabled: d.data.enableDate! })),
        ...(await repo.listPasskeys(ctx.caller.accountId, owner.user ? owner.user.id : null)).map((p) => ({ serial: p.serial, enabled: p.created_at })),
      ];
      const keyOf = (d: { serial: string; enabled: string }) => `${d.enabled}|${d.serial}`;
      devices.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
      const page = pageArray(devices, keyOf, input.Marker, maxItemsOf(input));
      const userName = owner.user ? owner.user.name : ctx.caller.accountId;
      return { MFADevices: page.items.map((d) => ({ UserName: userName, SerialNumber: d.serial, EnableDate: new Date(d.enabled) })), ...pageInfo(page) };
    });
  },

  async ListVirtualMFADevices(ctx, input) {
    // No resource type in the Service Authorization Reference: authorized on "*".
    await ctx.authorize('iam:ListVirtualMFADevices', '*');
    const status = input.AssignmentStatus ?? 'Any';
    const filter = (d: Device) => status === 'Any' || (status === 'Assigned') === isAssigned(d);
    return ctx.services.store.read(async (repo) => {
      const page = await repo.listEntities<MfaDeviceData>(ctx.caller.accountId, 'mfa', { marker: input.Marker, maxItems: maxItemsOf(input), filter });
      const items = await Promise.all(
        page.items.map(async (d) => ({
          // Never the seed or the QR code: those are in CreateVirtualMFADevice's response only.
          SerialNumber: d.id,
          User: await deviceUser(repo, ctx, d),
          EnableDate: d.data.enableDate ? new Date(d.data.enableDate) : undefined,
        })),
      );
      return { VirtualMFADevices: items, ...pageInfo(page) };
    });
  },

  async GetMFADevice(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const owner = await mfaOwner(repo, ctx, 'iam:GetMFADevice', input);
      const serial = input.SerialNumber;
      const passkey = await ownedPasskey(repo, ctx.caller.accountId, owner, serial);
      if (passkey) return { UserName: owner.user?.name, SerialNumber: passkey.serial, EnableDate: new Date(passkey.created_at) };
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      if (!device || !assignedTo(device, owner)) throw deviceNotFound(serial);
      return { UserName: owner.user?.name, SerialNumber: device.id, EnableDate: new Date(device.data.enableDate!) };
    });
  },

  async TagMFADevice(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const serial = input.SerialNumber;
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      await ctx.authorize('iam:TagMFADevice', device ? device.id : serial, requestTagContext(input.Tags));
      if (!device) throw deviceNotFound(serial);
      const tags = checkTags(input.Tags, await repo.getTags(device.id));
      await repo.putTags(device.id, tags);
      return undefined;
    });
  },

  async UntagMFADevice(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const serial = input.SerialNumber;
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      await ctx.authorize('iam:UntagMFADevice', device ? device.id : serial, { 'aws:TagKeys': input.TagKeys });
      if (!device) throw deviceNotFound(serial);
      await repo.removeTags(device.id, input.TagKeys);
      return undefined;
    });
  },

  async ListMFADeviceTags(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const serial = input.SerialNumber;
      const device = await findDevice(repo, ctx.caller.accountId, serial);
      await ctx.authorize('iam:ListMFADeviceTags', device ? device.id : serial);
      if (!device) throw deviceNotFound(serial);
      const tags = (await repo.getTags(device.id)).map((t, i) => ({ t, key: String(i).padStart(4, '0') }));
      const page = pageArray(tags, (x) => x.key, input.Marker, maxItemsOf(input));
      return { Tags: page.items.map((x) => x.t), ...pageInfo(page) };
    });
  },
} satisfies IamHandlers;

/**
 * For STS (GetSessionToken, AssumeRole with SerialNumber/TokenCode) and console sign-in: true when
 * the device exists in the account, is enabled for that owner (an IAM user's id, or null for
 * root), and `code` is valid now (±1 step around the device's measured drift) and newer than any
 * code accepted before; its time step is then recorded so the code cannot be used again.
 * Call it inside a Store.write transaction: the check and the record must commit together.
 */
export async function acceptMfaCode(
  repo: Repo,
  accountId: string,
  serialNumber: string,
  userId: string | null,
  code: string,
  now: Date,
  secrets: SecretBox,
): Promise<boolean> {
  const device = await findDevice(repo, accountId, serialNumber);
  if (!device || !isAssigned(device) || device.data.userId !== userId) return false;
  let seed: string;
  try {
    seed = secrets.open(device.data.seed, device.id);
  } catch {
    return false; // fail closed on a tampered or misplaced seed
  }
  const step = verifyTotp(seed, code, now, ACCEPT_WINDOW_STEPS, device.data.drift ?? 0);
  if (step === undefined || step <= (device.data.lastStep ?? -1)) return false;
  await repo.updateEntity(device.id, { data: { ...device.data, lastStep: step } });
  return true;
}

/** GetAccountSummary's AccountMFAEnabled: whether any MFA device is enabled for the root user. */
export async function rootMfaEnabled(repo: Repo, accountId: string): Promise<boolean> {
  return (await ownerSerials(repo, accountId, { user: null })).length > 0;
}

/** GetAccountSummary's MFADevicesInUse: MFA devices (virtual, FIDO) assigned to the root user or an IAM user. */
export async function mfaDevicesInUse(repo: Repo, accountId: string): Promise<number> {
  return (await allDevices(repo, accountId, isAssigned)).length + (await repo.countAccountPasskeys(accountId));
}
