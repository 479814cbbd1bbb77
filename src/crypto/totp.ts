// RFC 6238 time-based one-time passwords as virtual MFA devices use them: HMAC-SHA-1, 6 digits,
// 30-second steps, 20-byte seeds written in RFC 4648 Base32. Codes are compared in constant time,
// and every check reports the time step that matched, so callers can refuse a code used before.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html
import { randomBytes } from 'node:crypto';
import { sameSecret } from './same-secret.ts';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

export const TOTP_ALGORITHM = 'SHA1';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
export const SEED_BYTES = 20;

/** A fresh seed: 20 random bytes from the OS's CSPRNG, in Base32 (32 characters, no padding). */
export function newSeed(): string {
  return new Secret({ buffer: randomBytes(SEED_BYTES).buffer as ArrayBuffer }).base32;
}

/** The RFC 6238 time step (counter) that `now` falls in. */
export function timeStepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code a device with this seed shows during time step `step`. */
export function totpForStep(seedBase32: string, step: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(seedBase32),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: step * TOTP_PERIOD_SECONDS * 1000,
  });
}

/** The code a device with this seed shows at `now`. */
export function totpAt(seedBase32: string, now: Date): string {
  return totpForStep(seedBase32, timeStepAt(now));
}

/** Well-formed codes only: exactly six ASCII digits. */
function wellFormed(code: string): boolean {
  return /^[0-9]{6}$/.test(code);
}

/**
 * Checks one code against the steps `center - window … center + window` (center: the step of
 * `now`, shifted by `drift` steps for a device known to run fast or slow). Returns the matching
 * time step, or undefined. Every step in the window is computed, whatever matches, so the time
 * taken does not depend on which step matched.
 */
export function verifyTotp(seedBase32: string, code: string, now: Date, window = 1, drift = 0): number | undefined {
  if (!wellFormed(code)) return undefined;
  const center = timeStepAt(now) + drift;
  let found: number | undefined;
  for (let step = center - window; step <= center + window; step++) {
    if (sameSecret(totpForStep(seedBase32, step), code) && found === undefined) found = step;
  }
  return found;
}

/**
 * Checks two codes that a device showed one after the other (`code1` in step s-1, `code2` in
 * step s), with s within `window` steps of now (+ drift). Returns s, or undefined. This is what
 * EnableMFADevice and ResyncMFADevice ask for: proof that the device holds the seed and its clock.
 */
export function verifyConsecutiveTotp(seedBase32: string, code1: string, code2: string, now: Date, window = 1, drift = 0): number | undefined {
  if (!wellFormed(code1) || !wellFormed(code2)) return undefined;
  const center = timeStepAt(now) + drift;
  let found: number | undefined;
  for (let step = center - window; step <= center + window; step++) {
    const second = sameSecret(totpForStep(seedBase32, step), code2);
    const first = sameSecret(totpForStep(seedBase32, step - 1), code1);
    // Prefer the latest matching step: it consumes the most codes against replay.
    if (first && second) found = step;
  }
  return found;
}

/** Two consecutive codes as a device would show them, the second one in the step of `now`. */
export function consecutiveCodesAt(seedBase32: string, now: Date): [string, string] {
  const step = timeStepAt(now);
  return [totpForStep(seedBase32, step - 1), totpForStep(seedBase32, step)];
}

/**
 * The provisioning URI the QR code encodes, in AWS's form
 * `otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String`, with iamd as issuer
 * (label prefix and `issuer` parameter, as the Key URI Format recommends) so authenticator apps
 * group the entry under iamd.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_VirtualMFADevice.html
 */
export function provisioningUri(seedBase32: string, deviceName: string, accountName: string, issuer = 'iamd'): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(deviceName)}@${encodeURIComponent(accountName)}`;
  return `otpauth://totp/${label}?secret=${seedBase32}&issuer=${encodeURIComponent(issuer)}`;
}

/** The QR code PNG (raw bytes) of the provisioning URI. */
export async function qrCodePng(uri: string): Promise<Buffer> {
  return QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 4 });
}
