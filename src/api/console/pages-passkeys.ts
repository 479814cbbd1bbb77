// Passkeys and FIDO2 security keys as MFA devices, in the console (AWS registers them in its
// console only): the page that adds one, the MFA step's "use a passkey", and the JSON endpoints of
// both WebAuthn ceremonies (@simplewebauthn/server). The browser's side is console/passkeys.js.
//
// Security: every challenge is random, kept server-side bound to the console session and its
// purpose, used once (taken as it is read) and valid 5 minutes. The relying party id is the host
// of the console's public URL and the origin is checked against it (on a loopback public URL,
// `localhost` at the same port too, since browsers refuse IP addresses as relying party ids). An
// assertion must come from a credential of the principal signing in; its signature counter is
// checked and recorded. Registering is authorized as `iam:EnableMFADevice` on the user (or root);
// listing and removing are the API's ListMFADevices and DeactivateMFADevice, through call().
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { recordConsoleLogin } from '../../audit/console-events.ts';
import { iamArn, rootArn } from '../../domain/arn.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { enableFidoDevice } from '../../iam/mfa.ts';
import { PASSKEY_NAME, passkeySerial } from '../../iam/passkeys.ts';
import type { PasskeyTable } from '../../store/schema.ts';
import { APP, PREFIX, can, csrfField, errorText, jsonObject, me, send, type Rq } from './core.ts';
import type { Console } from './console.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import type { MessageKey } from './messages.ts';

/** How long a ceremony may take, from its options to its answer. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const TIMEOUT_MS = 2 * 60 * 1000;
const PASSKEY_JS = `${PREFIX}/static/passkeys.js`;

interface RelyingParty {
  rpId: string;
  origin: string;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '[::1]' || host === 'localhost';
}

/** The console's public origin(s): the configured public URL, and localhost for a loopback one. */
function allowedOrigins(rq: Rq): string[] {
  const base = new URL(rq.deps.services.publicUrl ?? `${rq.secure ? 'https' : 'http'}://${rq.req.headers.host ?? 'localhost'}`);
  const out = [base.origin];
  if (isLoopback(base.hostname)) out.push(`${base.protocol}//localhost${base.port ? `:${base.port}` : ''}`);
  return out;
}

/** The relying party of this request: the allowed origin it was made at, or undefined (another address). */
function relyingParty(rq: Rq): RelyingParty | undefined {
  let requested: URL;
  try {
    requested = new URL(`${rq.secure ? 'https' : 'http'}://${rq.req.headers.host ?? ''}`);
  } catch {
    return undefined;
  }
  const origin = allowedOrigins(rq).find((o) => o === requested.origin);
  if (!origin) return undefined;
  const rpId = new URL(origin).hostname;
  // Browsers refuse IP addresses as relying party ids.
  if (/^[\d.]+$/.test(rpId) || rpId.startsWith('[')) return undefined;
  return { rpId, origin };
}

function json(rq: Rq, status: number, body: object): void {
  send(rq, status, JSON.stringify(body), 'application/json; charset=utf-8');
}
const fail = (rq: Rq, status: number, key: MessageKey, params?: Record<string, string>) => json(rq, status, { error: rq.t(key, params) });
function wrongOrigin(rq: Rq): void {
  fail(rq, 400, 'passkey.wrongOrigin', { origin: allowedOrigins(rq).at(-1) ?? '' });
}

/** Whose device it is: the named IAM user, else the signed-in user, else the root user. */
interface Owner {
  userId: string | null;
  userName: string | null;
  arn: string;
  label: string;
}

async function ownerOf(rq: Rq, userName: string | undefined): Promise<Owner | undefined> {
  const p = me(rq);
  const partition = p.caller.partition;
  if (!userName) {
    if (p.kind === 'root') return { userId: null, userName: null, arn: rootArn(partition, p.accountId), label: p.displayName };
    if (p.kind !== 'user') return undefined;
    userName = p.displayName;
  }
  const user = await rq.deps.services.store.read((repo) => repo.getEntityByName(p.accountId, 'user', userName));
  if (!user) return undefined;
  return {
    userId: user.id,
    userName: user.name,
    arn: iamArn(partition, p.accountId, 'user', user.path, user.name),
    label: `${user.name} @ ${p.alias ?? p.accountId}`,
  };
}

/** Where the owner's devices are shown. */
function ownerPage(owner: Owner): string {
  return owner.userName === null ? `${APP}/security-credentials` : `${APP}/users/${encodeURIComponent(owner.userName)}`;
}

async function putChallenge(rq: Rq, purpose: 'register' | 'authenticate', challenge: string, data: object): Promise<void> {
  const now = rq.facts.now;
  await rq.deps.services.store.write((repo) =>
    repo.putPasskeyChallenge({
      session_hash: rq.session!.id_hash,
      purpose,
      challenge,
      data: JSON.stringify(data),
      expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
    }),
  );
}

const transportsOf = (p: PasskeyTable) => JSON.parse(p.transports) as AuthenticatorTransport[];
type AuthenticatorTransport = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';

// ---- the page

/** GET /passkeys/new[?user=NAME]: name the device, then the browser creates the credential. */
export async function newPasskeyPage(rq: Rq): Promise<void> {
  const t = rq.t;
  const userParam = rq.url.searchParams.get('user') ?? undefined;
  const owner = await ownerOf(rq, userParam);
  if (!owner) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const allowed = await can(rq, 'iam:EnableMFADevice', owner.arn);
  const rp = relyingParty(rq);
  const body = html`<section class="card" id="passkey-new"><p>${t('passkey.intro')}</p>
${allowed.allowed ? '' : html`<div class="notice error" role="alert" id="passkey-denied">${allowed.reason ?? ''}</div>`}
${rp ? '' : html`<div class="notice error" role="alert" id="passkey-origin">${t('passkey.wrongOrigin', { origin: allowedOrigins(rq).at(-1) ?? '' })}</div>`}
<div class="notice error" role="alert" id="passkey-error" hidden></div>
<form id="passkey-register" data-options="${APP}/passkeys/options" data-register="${APP}/passkeys/register" data-user="${owner.userName ?? ''}"
 data-unsupported="${t('passkey.unsupported')}" data-cancelled="${t('passkey.cancelled')}">${csrfField(rq)}
<label>${t('passkey.name')}<input name="name" id="passkey-name" required maxlength="64" autocomplete="off" aria-describedby="passkey-name-hint"></label>
<p class="hint" id="passkey-name-hint">${t('passkey.nameHint')}</p>
<div class="actions"><a class="button" href="${ownerPage(owner)}">${t('common.cancel')}</a>\
<button type="submit" class="primary" id="passkey-register-submit"${allowed.allowed && rp ? '' : html` disabled`}>${t('passkey.register')}</button></div></form>
</section><script src="${PASSKEY_JS}" defer></script>`;
  send(rq, 200, layout(rq, t('passkey.title'), body, owner.userName === null ? '/security-credentials' : '/users'));
}

/** The MFA step's passkey button, when the principal signing in has a passkey (else nothing). */
export async function passkeyMfaBlock(rq: Rq): Promise<SafeHtml | undefined> {
  const s = rq.session;
  if (!s) return undefined;
  const keys = await rq.deps.services.store.read((repo) => repo.listPasskeys(s.account_id, s.user_id));
  if (keys.length === 0) return undefined;
  const t = rq.t;
  return html`<section id="passkey-mfa"><p>${t('passkey.signInPrompt')}</p>
<div class="notice error" role="alert" id="passkey-error" hidden></div>
<button type="button" class="primary" id="passkey-signin" data-options="${APP}/mfa/passkey/options" data-verify="${APP}/mfa/passkey"
 data-csrf="${s.csrf}" data-unsupported="${t('passkey.unsupported')}" data-cancelled="${t('passkey.cancelled')}">${t('passkey.signIn')}</button>
</section><script src="${PASSKEY_JS}" defer></script>`;
}

// ---- registration (an active session)

/** POST /passkeys/options {name, user}: the options for navigator.credentials.create. */
export async function postRegistrationOptions(rq: Rq): Promise<void> {
  const body = jsonObject(rq);
  if (!body) return fail(rq, 400, 'error.badJson');
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!PASSKEY_NAME.test(name)) return fail(rq, 400, 'passkey.nameInvalid');
  const rp = relyingParty(rq);
  if (!rp) return wrongOrigin(rq);
  const owner = await ownerOf(rq, typeof body.user === 'string' && body.user !== '' ? body.user : undefined);
  if (!owner) return fail(rq, 404, 'error.notFound');
  const allowed = await can(rq, 'iam:EnableMFADevice', owner.arn);
  if (!allowed.allowed) return json(rq, 403, { error: allowed.reason });
  const accountId = me(rq).accountId;
  const existing = await rq.deps.services.store.read((repo) => repo.listPasskeys(accountId, owner.userId));
  const options = await generateRegistrationOptions({
    rpName: 'iamd',
    rpID: rp.rpId,
    userName: owner.label,
    userID: new TextEncoder().encode(owner.userId ?? accountId),
    userDisplayName: owner.label,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    timeout: TIMEOUT_MS,
  });
  await putChallenge(rq, 'register', options.challenge, { name, userId: owner.userId, userName: owner.userName });
  json(rq, 200, options);
}

/** POST /passkeys/register {response}: verifies the new credential and enables it as an MFA device. */
export async function postRegister(rq: Rq): Promise<void> {
  const body = jsonObject(rq);
  if (!body || typeof body.response !== 'object' || body.response === null) return fail(rq, 400, 'error.badJson');
  const rp = relyingParty(rq);
  if (!rp) return wrongOrigin(rq);
  const now = rq.facts.now;
  const sessionHash = rq.session!.id_hash;
  const pending = await rq.deps.services.store.write((repo) => repo.takePasskeyChallenge(sessionHash, 'register'));
  if (!pending || new Date(pending.expires_at) <= now) return fail(rq, 400, 'passkey.expired');
  const data = JSON.parse(pending.data) as { name: string; userId: string | null; userName: string | null };
  const owner = await ownerOf(rq, data.userName ?? undefined);
  if (!owner || owner.userId !== data.userId) return fail(rq, 404, 'error.notFound');
  let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>['registrationInfo'];
  try {
    const verified = await verifyRegistrationResponse({
      response: body.response as unknown as RegistrationResponseJSON,
      expectedChallenge: pending.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: false,
    });
    info = verified.verified ? verified.registrationInfo : undefined;
  } catch {
    info = undefined;
  }
  if (!info) return fail(rq, 400, 'passkey.failed');
  // Authorized again: the policy may have changed during the ceremony.
  const allowed = await can(rq, 'iam:EnableMFADevice', owner.arn);
  if (!allowed.allowed) return json(rq, 403, { error: allowed.reason });
  const p = me(rq);
  const row: PasskeyTable = {
    serial: passkeySerial(p.caller.partition, p.accountId, owner.userName, data.name),
    account_id: p.accountId,
    user_id: owner.userId,
    name: data.name,
    credential_id: info.credential.id,
    public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: JSON.stringify(info.credential.transports ?? []),
    aaguid: info.aaguid,
    created_at: now.toISOString(),
    last_used_at: null,
  };
  try {
    await rq.deps.services.store.write((repo) => enableFidoDevice(repo, row));
  } catch (error) {
    if (error instanceof AwsError) return json(rq, 400, { error: errorText(rq, error) });
    throw error;
  }
  json(rq, 200, { location: `${ownerPage(owner)}?ok=passkeyAdded`, serial: row.serial });
}

// ---- the MFA step of sign-in (a session at stage 'mfa')

/** POST /mfa/passkey/options: the options for navigator.credentials.get, for this principal's keys. */
export async function postAuthenticationOptions(rq: Rq): Promise<void> {
  const s = rq.session!;
  const rp = relyingParty(rq);
  if (!rp) return wrongOrigin(rq);
  const keys = await rq.deps.services.store.read((repo) => repo.listPasskeys(s.account_id, s.user_id));
  if (keys.length === 0) return fail(rq, 400, 'passkey.failed');
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    allowCredentials: keys.map((k) => ({ id: k.credential_id, transports: transportsOf(k) })),
    userVerification: 'preferred',
    timeout: TIMEOUT_MS,
  });
  await putChallenge(rq, 'authenticate', options.challenge, {});
  json(rq, 200, options);
}

/** POST /mfa/passkey {response}: verifies the assertion; the session becomes an MFA-authenticated one. */
export async function postAuthenticate(rq: Rq, _params: Record<string, string>, app: Console): Promise<void> {
  const s = rq.session!;
  const body = jsonObject(rq);
  const response = body?.response as AuthenticationResponseJSON | undefined;
  if (!response || typeof response !== 'object' || typeof response.id !== 'string') return fail(rq, 400, 'error.badJson');
  const rp = relyingParty(rq);
  if (!rp) return wrongOrigin(rq);
  const now = rq.facts.now;
  const throttle = rq.deps.signin.throttleKey(s.account_id, s.user_id === null ? 'root-mfa' : 'user-mfa', s.user_id ?? 'root');
  // Charged like a code: a failed assertion counts towards the same lock.
  const outcome = await rq.deps.signin.attemptMfa(throttle, async (repo) => {
    const pending = await repo.takePasskeyChallenge(s.id_hash, 'authenticate');
    if (!pending || new Date(pending.expires_at) <= now) return false;
    const key = await repo.getPasskeyByCredentialId(response.id);
    if (!key || key.account_id !== s.account_id || key.user_id !== s.user_id) return false;
    try {
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        credential: { id: key.credential_id, publicKey: Buffer.from(key.public_key, 'base64url'), counter: key.counter, transports: transportsOf(key) },
        requireUserVerification: false,
      });
      if (!verified.verified) return false;
      await repo.setPasskeyCounter(key.serial, verified.authenticationInfo.newCounter, now);
      return true;
    } catch {
      return false;
    }
  });
  // The audit trail's ConsoleLogin, as for a code (pages-signin.ts's postMfa).
  const recorded = await recordConsoleLogin(rq.deps.services.audit, {
    accountId: s.account_id,
    partition: rq.deps.services.partition,
    kind: s.user_id === null ? 'root' : 'user',
    name: s.user_id === null ? 'root' : ((await rq.deps.services.store.read((repo) => repo.getEntityById(s.user_id!)))?.name ?? ''),
    userId: s.user_id,
    facts: rq.facts,
    ok: outcome === 'ok',
    mfaUsed: true,
    ...(outcome === 'ok' ? {} : { reason: outcome === 'locked' ? 'Locked: too many failed attempts' : 'Passkey assertion not valid' }),
  });
  if (outcome !== 'ok') return outcome === 'locked' ? fail(rq, 429, 'signin.locked', { minutes: '1' }) : fail(rq, 401, 'passkey.failed');
  if (!recorded) return fail(rq, 503, 'signin.auditUnavailable');
  await rq.deps.signin.notePasswordUse(s.account_id, s.user_id, now);
  const resetRequired = s.user_id !== null && (await rq.deps.services.store.read((repo) => repo.getLoginProfile(s.user_id!)))?.reset_required === 1;
  const stage = resetRequired ? 'reset' : 'active';
  await app.startSession(rq, { accountId: s.account_id, userId: s.user_id, stage, passwordFp: s.password_fp, mfaAt: now });
  json(rq, 200, { location: stage === 'reset' ? `${APP}/change-password` : APP });
}
