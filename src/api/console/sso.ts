// Console sign-in through an IAM OIDC provider (SSO), as an administrator enabled it with
// UpdateOpenIDConnectProviderConsoleSignIn (src/iam/oidc-console-sign-in.ts).
//
//   GET  /console/sso/start?account=ACCOUNT&provider=ARN   discover the provider, then redirect to its
//        authorization endpoint: authorization code flow, PKCE S256, state and nonce
//   GET  /console/sso/callback?code&state[&iss]            exchange the code (openid-client checks the
//        state, the issuer, the audience, the nonce and the ID token's times), find the roles that trust
//        the identity, and sign in as the only one, or ask which one
//   POST /console/sso/choose                                 the role chooser's answer
//
// A flow in progress is kept server-side (console_sso_flows): the PKCE verifier, nonce and provider,
// sealed, under the SHA-256 of its state, and bound to the browser that started it by the hash of
// a random cookie (`iamd-sso`: HttpOnly, SameSite=Lax so that it comes back with the provider's
// cross-site redirect, Secure over TLS). Reading a flow deletes it: a state, and a role chooser's
// token, are used once. The roles offered are those whose trust policy allows
// sts:AssumeRoleWithWebIdentity for the provider and the ID token's condition keys, as
// AssumeRoleWithWebIdentity decides; the chosen role's session is issued by issueFederatedSession
// (which decides again), and the console session holds it (its key id and token, sealed): every
// page then acts as that role session, and the console session ends when it does.
//
// The ID token comes straight from the token endpoint over verified TLS (NODE_EXTRA_CA_CERTS for a
// private CA), which OpenID Connect Core 3.1.3.7 accepts in place of checking its signature.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { createActionContext, type Caller, type Services } from '../../actions/context.ts';
import { sameSecret } from '../../crypto/same-secret.ts';
import { iamArn } from '../../domain/arn.ts';
import { newRequestId } from '../../domain/ids.ts';
import { consoleClientSecretRecord, parseOidcProviderArn } from '../../iam/oidc-console-sign-in.ts';
import { OIDC_PROVIDER_KIND, oidcProviderName, type OidcProviderData } from '../../iam/oidc-provider-data.ts';
import { issueFederatedSession } from '../../sts/federated-session.ts';
import { recordConsoleLogin } from '../../audit/console-events.ts';
import { webIdentityConditionKeys, type TokenClaims } from '../../sts/web-identity-keys.ts';
import { rolesTrustingWebIdentity, type TrustingRole } from '../../sts/web-identity-roles.ts';
import type { EntityRow, Repo } from '../../store/repo.ts';
import { APP, PREFIX, errorText, notice, redirect, securityHeaders, send, type Principal, type Rq } from './core.ts';
import type { Console } from './console.ts';
import { sha256, type ConsoleSessionTable } from './data.ts';
import { html } from './html.ts';
import { bare } from './layout.ts';
import { resolveAccount } from './signin.ts';

export const SSO_START = `${PREFIX}/sso/start`;
export const SSO_CALLBACK = `${PREFIX}/sso/callback`;
export const SSO_CHOOSE = `${PREFIX}/sso/choose`;
/** A sign-in must come back from the provider (or the role be chosen) within 10 minutes. */
export const SSO_FLOW_TTL_MS = 10 * 60 * 1000;
/** How long a provider's discovered metadata is reused. */
const DISCOVERY_TTL_MS = 5 * 60 * 1000;
/** Seconds each request to a provider may take. */
const PROVIDER_TIMEOUT_S = 10;

export function ssoCookieName(secure: boolean): string {
  return secure ? '__Host-iamd-sso' : 'iamd-sso';
}

/** A provider the sign-in page offers. */
export interface ConsoleProvider {
  arn: string;
  displayName: string;
}

/** What a flow keeps between the start and the callback. */
interface AuthorizeFlow {
  phase: 'authorize';
  providerId: string;
  clientId: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
}

/** What the role chooser keeps between the callback and the choice. */
interface ChooseFlow {
  phase: 'choose';
  providerId: string;
  subject: string;
  sessionName: string;
  conditionKeys: Record<string, string | string[]>;
  roles: TrustingRole[];
}

type Flow = AuthorizeFlow | ChooseFlow;

/** The role session a federated console session acts as (sealed in console_sessions.role_session). */
export interface HeldRoleSession {
  accessKeyId: string;
  sessionToken: string;
  expiresAt: Date;
}

export function roleSessionRecord(idHash: string): string {
  return `console-role-session:${idHash}`;
}

const flowRecord = (idHash: string) => `console-sso:${idHash}`;

function providerArnOf(partition: string, p: EntityRow<OidcProviderData>): string {
  return iamArn(partition, p.accountId, 'oidc-provider', p.path, p.name);
}

/** The account's providers that an administrator enabled for console sign-in, by display name. */
export async function consoleProviders(repo: Repo, partition: string, accountId: string): Promise<ConsoleProvider[]> {
  const out: ConsoleProvider[] = [];
  let marker: string | undefined;
  do {
    const page = await repo.listEntities<OidcProviderData>(accountId, OIDC_PROVIDER_KIND, { marker, maxItems: 1000 });
    for (const p of page.items) if (p.data.consoleSignIn) out.push({ arn: providerArnOf(partition, p), displayName: p.data.consoleSignIn.displayName });
    marker = page.marker;
  } while (marker !== undefined);
  return out.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** The callback URL: IAMD_PUBLIC_URL's when it is set, else this request's origin. Registered at the provider as is. */
export function callbackUrl(rq: Rq): string {
  const base = rq.deps.services.publicUrl ?? `${rq.secure ? 'https' : 'http'}://${rq.req.headers.host ?? 'localhost'}`;
  return `${base}${SSO_CALLBACK}`;
}

// ---- the provider's metadata, discovered (and kept a few minutes)

const discovered = new Map<string, { config: oidc.Configuration; at: number }>();

async function discover(services: Services, provider: EntityRow<OidcProviderData>): Promise<oidc.Configuration> {
  const signIn = provider.data.consoleSignIn!;
  const key = `${provider.id}\0${provider.data.url}\0${signIn.clientId}\0${signIn.clientSecretSealed ?? ''}`;
  const now = Date.now();
  const hit = discovered.get(key);
  if (hit && now - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const secret = signIn.clientSecretSealed ? services.secrets.open(signIn.clientSecretSealed, consoleClientSecretRecord(provider.id)) : undefined;
  // A confidential client authenticates with HTTP Basic (every OAuth server must accept it); a public one with PKCE alone.
  const auth = secret !== undefined ? oidc.ClientSecretBasic(secret) : oidc.None();
  const config = await oidc.discovery(new URL(provider.data.url), signIn.clientId, undefined, auth, { timeout: PROVIDER_TIMEOUT_S });
  if (discovered.size >= 100) discovered.clear();
  discovered.set(key, { config, at: now });
  return config;
}

// ---- flows

function appendCookie(res: ServerResponse, value: string): void {
  const existing = res.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  res.setHeader('set-cookie', [...list, value]);
}

function flowCookie(rq: Rq, value: string, maxAgeSeconds: number): string {
  return `${ssoCookieName(rq.secure)}=${value}; Path=/; HttpOnly; SameSite=Lax${rq.secure ? '; Secure' : ''}; Max-Age=${maxAgeSeconds}`;
}

function browserCookie(rq: Rq): string | undefined {
  const raw = (rq.req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${ssoCookieName(rq.secure)}=`));
  const value = raw?.slice(ssoCookieName(rq.secure).length + 1);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

/** The browser's flow cookie (set when missing, or renewed): several tabs may sign in at once. */
function bindBrowser(rq: Rq): string {
  const token = browserCookie(rq) ?? randomBytes(32).toString('base64url');
  appendCookie(rq.res, flowCookie(rq, token, SSO_FLOW_TTL_MS / 1000));
  return token;
}

async function saveFlow(rq: Rq, key: string, accountId: string, browser: string, flow: Flow): Promise<void> {
  const idHash = sha256(key);
  const now = rq.facts.now;
  const row = {
    id_hash: idHash,
    browser_hash: sha256(browser),
    account_id: accountId,
    data: rq.deps.services.secrets.seal(JSON.stringify(flow), flowRecord(idHash)),
    expires_at: new Date(now.getTime() + SSO_FLOW_TTL_MS).toISOString(),
  };
  await rq.deps.services.store.write(async (repo) => {
    await repo.deleteExpiredConsoleSsoFlows(now);
    await repo.insertConsoleSsoFlow(row);
  });
}

/** The flow saved under `key`, taken (deleted) whether or not it is still good; undefined unless this browser started it and it has not expired. */
async function takeFlow(rq: Rq, key: string): Promise<{ flow: Flow; accountId: string } | undefined> {
  const idHash = sha256(key);
  const row = await rq.deps.services.store.write((repo) => repo.takeConsoleSsoFlow(idHash));
  const browser = browserCookie(rq);
  if (!row || !browser || !sameSecret(row.browser_hash, sha256(browser)) || new Date(row.expires_at) <= rq.facts.now) return undefined;
  try {
    return { flow: JSON.parse(rq.deps.services.secrets.open(row.data, flowRecord(idHash))) as Flow, accountId: row.account_id };
  } catch {
    return undefined;
  }
}

/** The provider of a flow, if it still exists and still offers console sign-in as the same client. */
async function flowProvider(rq: Rq, providerId: string, clientId?: string): Promise<EntityRow<OidcProviderData> | undefined> {
  const p = await rq.deps.services.store.read((repo) => repo.getEntityById<OidcProviderData>(providerId));
  if (p?.kind !== OIDC_PROVIDER_KIND || !p.data.consoleSignIn) return undefined;
  if (clientId !== undefined && p.data.consoleSignIn.clientId !== clientId) return undefined;
  return p;
}

// ---- pages

/** A page that ends a sign-in that did not succeed: why, and the way back to the sign-in page. */
function failPage(rq: Rq, status: number, text: string, accountId?: string): void {
  const back = accountId ? `${PREFIX}/${accountId}` : `${PREFIX}/`;
  const body = html`${notice('error', text)}<p><a class="button" id="sso-back" href="${back}">${rq.t('sso.back')}</a></p>`;
  send(rq, status, bare(rq, rq.t('sso.title'), body));
}

/** GET /console/sso/start: to the provider's authorization endpoint. */
export async function ssoStart(rq: Rq): Promise<void> {
  const accountRef = rq.url.searchParams.get('account') ?? '';
  const providerArn = rq.url.searchParams.get('provider') ?? '';
  const services = rq.deps.services;
  const found = await services.store.read(async (repo) => {
    const account = await resolveAccount(repo, accountRef);
    const parsed = parseOidcProviderArn(providerArn);
    if (!account || parsed?.accountId !== account.id || parsed.partition !== services.partition) return { account };
    return { account, provider: await repo.getEntityByName<OidcProviderData>(account.id, OIDC_PROVIDER_KIND, parsed.name) };
  });
  const provider = found.provider;
  if (!found.account || !provider?.data.consoleSignIn) return failPage(rq, 404, rq.t('sso.unavailable'), found.account?.id);
  const accountId = found.account.id;
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const redirectUri = callbackUrl(rq);
  let url: URL;
  try {
    const config = await discover(services, provider);
    // `email` and `profile` when the provider offers them: they name the role session.
    const offered = config.serverMetadata().scopes_supported;
    const scope = ['openid', ...['email', 'profile'].filter((s) => offered?.includes(s))].join(' ');
    url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  } catch (error) {
    // Unreachable, not an OIDC provider, or its metadata unusable (no https authorization endpoint…).
    services.logger.warn({ provider: provider.data.url, err: error instanceof Error ? error.message : String(error) }, 'console sign-in: discovery failed');
    return failPage(rq, 502, rq.t('sso.unreachable', { provider: provider.data.consoleSignIn.displayName }), accountId);
  }
  await saveFlow(rq, `state:${state}`, accountId, bindBrowser(rq), {
    phase: 'authorize',
    providerId: provider.id,
    clientId: provider.data.consoleSignIn.clientId,
    verifier,
    nonce,
    redirectUri,
  });
  securityHeaders(rq.res);
  rq.res.setHeader('cache-control', 'no-store');
  rq.res.writeHead(303, { location: url.href });
  rq.res.end();
}

/** A role session name from the ID token: its verified email, else preferred_username, else sub, in `[\w+=,.@-]`, 2 to 64 characters. */
export function sessionNameFrom(claims: TokenClaims): string {
  const email = claims.email_verified === true ? claims.email : undefined;
  for (const c of [email, claims.preferred_username, claims.sub]) {
    if (typeof c !== 'string') continue;
    const name = c.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
    if (name.length >= 2) return name;
  }
  return `oidc-${sha256(String(claims.sub)).slice(0, 16)}`;
}

/** The printable ASCII of a provider's error parameter, shortened (it is shown on the page). */
function errorParam(value: string | null): string {
  return (value ?? '').replace(/[^\x20-\x7e]/g, '').slice(0, 200);
}

/** GET /console/sso/callback: the provider's answer. */
export async function ssoCallback(rq: Rq, app: Console): Promise<void> {
  const t = rq.t;
  const services = rq.deps.services;
  const state = rq.url.searchParams.get('state');
  if (!state || state.length > 512) return failPage(rq, 400, t('sso.badState'));
  const taken = await takeFlow(rq, `state:${state}`);
  if (taken?.flow.phase !== 'authorize') return failPage(rq, 400, t('sso.badState'));
  const { flow, accountId } = taken;
  // Only the exact redirect URI the flow sent the browser away with.
  if (flow.redirectUri !== callbackUrl(rq)) return failPage(rq, 400, t('sso.badState'), accountId);
  const provider = await flowProvider(rq, flow.providerId, flow.clientId);
  if (!provider) return failPage(rq, 403, t('sso.unavailable'), accountId);
  const displayName = provider.data.consoleSignIn!.displayName;
  const error = rq.url.searchParams.get('error');
  if (error !== null) {
    const description = errorParam(rq.url.searchParams.get('error_description'));
    return failPage(rq, 403, t('sso.refused', { provider: displayName, error: errorParam(error) + (description ? ` – ${description}` : '') }), accountId);
  }
  let claims: TokenClaims;
  try {
    const config = await discover(services, provider);
    const current = new URL(flow.redirectUri);
    for (const [k, v] of rq.url.searchParams) current.searchParams.append(k, v);
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: flow.verifier,
      expectedState: state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    claims = (tokens.claims() ?? {}) as TokenClaims;
  } catch (err) {
    services.logger.warn({ provider: provider.data.url, err: err instanceof Error ? err.message : String(err) }, 'console sign-in: code exchange failed');
    return failPage(rq, 502, t('sso.failed', { provider: displayName }), accountId);
  }
  // The issuer must be the provider's URL exactly, and the audience one of its client IDs, as for AssumeRoleWithWebIdentity.
  if (claims.iss !== provider.data.url || !provider.data.clientIds.includes(flow.clientId) || typeof claims.sub !== 'string') {
    services.logger.warn({ provider: provider.data.url, iss: claims.iss }, 'console sign-in: ID token not for this provider');
    return failPage(rq, 403, t('sso.failed', { provider: displayName }), accountId);
  }
  const providerName = oidcProviderName(provider.data.url)!;
  const conditionKeys = webIdentityConditionKeys(providerName, claims);
  const sessionName = sessionNameFrom(claims);
  const providerArn = providerArnOf(services.partition, provider);
  const roles = await services.store.read((repo) =>
    rolesTrustingWebIdentity(repo, { partition: services.partition, provider: { arn: providerArn, accountId }, conditionKeys, sessionName, facts: rq.facts }),
  );
  if (roles.length === 0) return failPage(rq, 403, t('sso.noRole', { account: accountId, provider: displayName, subject: claims.sub }), accountId);
  const chosen: ChooseFlow = { phase: 'choose', providerId: provider.id, subject: claims.sub, sessionName, conditionKeys, roles };
  if (roles.length === 1) return signInAs(rq, app, accountId, providerArn, chosen, roles[0]!, true);
  // Several roles trust this identity: the user chooses, as on AWS's SAML sign-in page.
  const token = randomBytes(32).toString('base64url');
  await saveFlow(rq, `choose:${token}`, accountId, bindBrowser(rq), chosen);
  return chooserPage(rq, displayName, chosen, token);
}

function chooserPage(rq: Rq, displayName: string, flow: ChooseFlow, token: string): void {
  const t = rq.t;
  const body = html`<p id="sso-subject">${t('sso.chooseHint', { provider: displayName, subject: flow.subject })}</p>
<form method="post" action="${SSO_CHOOSE}" id="sso-choose"><input type="hidden" name="flow" value="${token}">
<fieldset class="roles"><legend>${t('sso.chooseRole')}</legend>
${flow.roles.map(
  (r, i) => html`<label class="check"><input type="radio" name="role" value="${r.arn}" id="sso-role-${r.name}"${i === 0 ? ' checked' : ''} required> \
<strong>${r.name}</strong> <code class="hint">${r.arn}</code></label>`,
)}
</fieldset>
<button type="submit" class="primary" id="sso-choose-submit">${t('signin.submit')}</button></form>`;
  send(rq, 200, bare(rq, t('sso.chooseRole'), body));
}

/** POST /console/sso/choose: the role chooser's answer. */
export async function ssoChoose(rq: Rq, app: Console): Promise<void> {
  const token = rq.form.get('flow') ?? '';
  const taken = /^[A-Za-z0-9_-]{43}$/.test(token) ? await takeFlow(rq, `choose:${token}`) : undefined;
  if (taken?.flow.phase !== 'choose') return failPage(rq, 400, rq.t('sso.badState'));
  const { flow, accountId } = taken;
  const role = flow.roles.find((r) => r.arn === rq.form.get('role'));
  if (!role) return failPage(rq, 400, rq.t('sso.badState'), accountId);
  const provider = await flowProvider(rq, flow.providerId);
  if (!provider) return failPage(rq, 403, rq.t('sso.unavailable'), accountId);
  return signInAs(rq, app, accountId, providerArnOf(rq.deps.services.partition, provider), flow, role, false);
}

/** No AWS credentials: the trust policy alone decides, as for an unsigned AssumeRoleWithWebIdentity. */
function anonymous(partition: string): Caller {
  return { type: 'Anonymous', accountId: '', partition, arn: '*', userId: 'anonymous' };
}

/** Assumes the role (the trust policy decides again) and opens a console session holding its role session. */
async function signInAs(rq: Rq, app: Console, accountId: string, providerArn: string, flow: ChooseFlow, role: TrustingRole, crossSite: boolean): Promise<void> {
  const services = rq.deps.services;
  const ctx = createActionContext(anonymous(services.partition), rq.facts, services, newRequestId());
  let session: Awaited<ReturnType<typeof issueFederatedSession>>;
  try {
    session = await issueFederatedSession(ctx, {
      kind: 'AssumeRoleWithWebIdentity',
      roleArn: role.arn,
      sessionName: flow.sessionName,
      provider: { arn: providerArn, accountId },
      conditionKeys: flow.conditionKeys,
      // The console session lasts as long as the role allows its sessions to.
      durationSeconds: role.maxSessionDuration,
    });
  } catch (error) {
    return failPage(rq, 403, errorText(rq, error), accountId);
  }
  const roleId = session.AssumedRoleUser.AssumedRoleId.split(':')[0]!;
  const c = session.Credentials;
  // The audit trail's ConsoleLogin, as CloudTrail records a federated console sign-in: by the role
  // session; before the console session starts, so that a fail-closed trail can refuse it.
  const caller = await services.authenticator.sessionCaller(c.AccessKeyId, c.SessionToken, rq.facts.now).catch(() => undefined);
  const recorded = await recordConsoleLogin(services.audit, {
    accountId,
    partition: services.partition,
    kind: 'role',
    name: `${role.name}/${flow.sessionName}`,
    userId: roleId,
    facts: rq.facts,
    ok: true,
    mfaUsed: false,
    ...(caller ? { caller } : {}),
  });
  if (!recorded) return failPage(rq, 503, rq.t('signin.auditUnavailable'), accountId);
  await app.startSession(rq, {
    accountId,
    userId: roleId,
    stage: 'active',
    passwordFp: '',
    roleSession: { accessKeyId: c.AccessKeyId, sessionToken: c.SessionToken, expiresAt: c.Expiration },
  });
  appendCookie(rq.res, flowCookie(rq, '', 0));
  if (!crossSite) return redirect(rq, APP);
  // The provider's redirect made this a cross-site navigation: a redirect from here would still be
  // one, and the SameSite=Strict session cookie would not come with it. A page of this site that
  // moves on by itself starts a same-site navigation.
  const body = html`<meta http-equiv="refresh" content="0;url=${APP}">
<p id="sso-signed-in">${rq.t('sso.signedIn', { who: `${role.name}/${flow.sessionName}` })}</p>
<p><a class="button primary" id="sso-continue" href="${APP}">${rq.t('sso.continue')}</a></p>`;
  send(rq, 200, bare(rq, rq.t('sso.title'), body));
}

/**
 * The principal of a console session that holds a role session, or undefined when that session is
 * no longer valid (expired, its role deleted, its sealed value altered): the console session ends.
 */
export async function federatedPrincipal(
  services: Services,
  row: ConsoleSessionTable,
  account: { id: string; alias: string | null },
  now: Date,
): Promise<Principal | undefined> {
  let held: { accessKeyId?: unknown; sessionToken?: unknown };
  try {
    held = JSON.parse(services.secrets.open(row.role_session ?? '', roleSessionRecord(row.id_hash)));
  } catch {
    return undefined;
  }
  if (typeof held.accessKeyId !== 'string' || typeof held.sessionToken !== 'string') return undefined;
  let caller: Caller;
  try {
    caller = await services.authenticator.sessionCaller(held.accessKeyId, held.sessionToken, now);
  } catch {
    return undefined;
  }
  if (caller.type !== 'AssumedRole' || caller.accountId !== account.id) return undefined;
  const displayName = `${caller.session?.roleName ?? ''}/${caller.session?.sessionName ?? ''}`;
  return { kind: 'role', caller, accountId: account.id, alias: account.alias, displayName, userId: null };
}

/** The sealed role_session value of a new console session. */
export function sealRoleSession(services: Services, idHash: string, held: HeldRoleSession): string {
  return services.secrets.seal(JSON.stringify({ accessKeyId: held.accessKeyId, sessionToken: held.sessionToken }), roleSessionRecord(idHash));
}
