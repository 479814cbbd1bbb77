// FIDO2 security keys and passkeys as MFA devices, beside virtual MFA. AWS registers them in the
// console only (there is no API to register one); the API lists them (ListMFADevices), describes
// them (GetMFADevice) and removes them (DeactivateMFADevice). Their serial numbers are ARNs:
// `arn:aws:iam::ACCOUNT:u2f/user/USER/NAME-ID` for an IAM user, `…:u2f/root/NAME-ID` for root.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_fido.html
// The WebAuthn ceremonies themselves (challenges, origins, signatures) are the console's
// (src/api/console/passkeys.ts); this module keeps the devices' rules.
import { randomBytes } from 'node:crypto';
import { awsError } from '../errors/messages.ts';
import type { PasskeyTable } from '../store/schema.ts';
import type { Repo } from '../store/repo.ts';
import type { UserData } from './common.ts';

/** AWS's quota: up to 8 MFA devices of any kind per user and for the root user. */
const MFA_DEVICES_PER_USER = 8;
/** A device name as the console takes it (AWS: 1–64 of `\w+=,.@-`). */
export const PASSKEY_NAME = /^[\w+=,.@-]{1,64}$/;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 26 random Base32 characters, as in AWS's `fidosecuritykey1-7XNL7NFNLZ…`. */
function deviceId(): string {
  return [...randomBytes(26)].map((b) => BASE32[b % 32]).join('');
}

export function passkeySerial(partition: string, accountId: string, userName: string | null, name: string): string {
  const owner = userName === null ? 'root' : `user/${userName}`;
  return `arn:${partition}:iam::${accountId}:u2f/${owner}/${name}-${deviceId()}`;
}

/** Whether a serial number names a FIDO device (and not a virtual or hardware TOTP one). */
export function isPasskeySerial(serial: string): boolean {
  return /^arn:[\w-]+:iam::\d{12}:u2f\//.test(serial);
}

/**
 * Enables a verified credential as an MFA device of its owner, in the caller's write transaction.
 * An IAM user's device is also listed in the user's `mfaSerials`, as virtual devices are: sign-in
 * asks for MFA, DeleteUser refuses, the credential report shows `mfa_active`. INVARIANT: never more
 * than 8 MFA devices of any kind per owner (checked inside the write transaction).
 */
export async function enablePasskey(repo: Repo, row: PasskeyTable, rootDevices: () => Promise<number>): Promise<void> {
  let user: { id: string; name: string; data: UserData } | null = null;
  if (row.user_id !== null) {
    const found = await repo.getEntityById<UserData>(row.user_id);
    if (found?.kind !== 'user' || found.accountId !== row.account_id) throw awsError('mfaDeviceNotForUser');
    user = found;
  }
  const enabled = user ? (user.data.mfaSerials ?? []).length : await rootDevices();
  if (enabled >= MFA_DEVICES_PER_USER) throw awsError('quotaExceeded', { quota: 'MFADevicesPerUser', limit: MFA_DEVICES_PER_USER });
  if (await repo.getPasskeyByCredentialId(row.credential_id)) throw awsError('mfaDeviceAlreadyEnabled');
  await repo.insertPasskey(row);
  if (user) await repo.updateEntity(user.id, { data: { ...user.data, mfaSerials: [...(user.data.mfaSerials ?? []), row.serial] } });
}

/** Removes a FIDO device (DeactivateMFADevice): the row, and the serial from its user's list. */
export async function removePasskey(repo: Repo, device: PasskeyTable): Promise<void> {
  await repo.deletePasskey(device.serial);
  if (device.user_id === null) return;
  const user = await repo.getEntityById<UserData>(device.user_id);
  if (!user) return;
  const serials = (user.data.mfaSerials ?? []).filter((s) => s !== device.serial);
  const data: UserData = { ...user.data, mfaSerials: serials };
  if (serials.length === 0) delete data.mfaSerials;
  await repo.updateEntity(user.id, { data });
}
