// The web console: server-rendered pages under /console that act as the signed-in principal
// through the same action handlers and authorizer as the Query API.
//
// Cookies: the session id is 256 random bits, stored server-side only as its SHA-256. Over HTTPS
// (or behind a proxy that says X-Forwarded-Proto: https) the cookie is `__Host-iamd-session` with
// Secure; over plain http (localhost) browsers refuse `__Host-` without Secure, so it is
// `iamd-session`. Both are HttpOnly, SameSite=Strict, Path=/. Every POST carries the session's
// synchronizer token (`_csrf`); sign-in forms, before there is a session, carry a double-submit
// token bound to the `iamd-pre` cookie.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Caller, RequestFacts, Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { iamArn, rootArn } from '../../domain/arn.ts';
import { DEFAULT_REGION } from '../../sigv4/index.ts';
import { sameSecret } from '../../crypto/same-secret.ts';
import { readBody } from '../read-body.ts';
import { APP, PREFIX, redirect, securityHeaders, send, takeOneTimeMark, type Deps, type Principal, type Rq } from './core.ts';
import { sha256, type ConsoleSessionTable } from './data.ts';
import type { Repo } from '../../store/repo.ts';
import { Invoker } from './invoke.ts';
import { chooseLang, isLang, translator } from './messages.ts';
import { ConsoleScratch } from './scratch.ts';
import { passwordFingerprint, SignInService } from './signin.ts';
import { serveStatic } from './static.ts';
import { routes } from './routes.ts';
import { federatedPrincipal, sealRoleSession, type HeldRoleSession } from './sso.ts';
import { Throttle } from '../throttle.ts';

/** A console session lasts at most 12 hours (AWS's default for IAM users' console sessions). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A pending MFA or forced-password step must be completed within 15 minutes. */
export const PENDING_TTL_MS = 15 * 60 * 1000;
const MAX_FORM_BYTES = 1024 * 1024;

export function isConsolePath(url: string | undefined): boolean {
  const [path = ''] = (url ?? '').split('?');
  return path === PREFIX || path.startsWith(`${PREFIX}/`);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/** The request's URL (relative to this server), or undefined when it cannot be parsed. */
function parseRequestUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', 'http://console.invalid');
  } catch {
    return undefined;
  }
}

/** The host of an Origin header, or undefined when it is not an origin (`Origin: garbage`). */
function originHost(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    return u.host || undefined;
  } catch {
    return undefined;
  }
}

/** A route's path parameters, percent-decoded; undefined when one is not valid percent-encoded UTF-8. */
function decodeParams(groups: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(groups ?? {})) {
    if (v === undefined) continue;
    try {
      params[k] = decodeURIComponent(v);
    } catch {
      return undefined;
    }
  }
  return params;
}

/** A 400 answered before there is a request context (the URL itself could not be read). */
function badRequest(res: ServerResponse, key: 'error.badPath', acceptLanguage: string | undefined): void {
  const text = translator(chooseLang(String(acceptLanguage ?? '')))(key);
  securityHeaders(res);
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-iamd-session' : 'iamd-session';
}
export function preCookieName(secure: boolean): string {
  return secure ? '__Host-iamd-pre' : 'iamd-pre';
}

function cookie(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}${maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : ''}`;
}

export function addCookie(res: ServerResponse, value: string): void {
  const existing = res.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  res.setHeader('set-cookie', [...list, value]);
}

export class Console {
  readonly deps: Deps;

  constructor(
    services: Services,
    dispatcher: Dispatcher,
    /** Password sign-in attempts per source IP (IAMD_RATE_LIMIT_SIGN_IN). */
    readonly throttle: Throttle = new Throttle(),
  ) {
    this.deps = {
      services,
      invoker: new Invoker(services, dispatcher),
      signin: new SignInService(services),
      scratch: new ConsoleScratch(services.store, services.secrets),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestUrl(req.url);
    if (!url) return badRequest(res, 'error.badPath', req.headers['accept-language']);
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname.startsWith(`${PREFIX}/static/`)) return serveStatic(url.pathname.slice(`${PREFIX}/static/`.length), res);
    const secure =
      Boolean((req.socket as TLSSocket).encrypted) ||
      String(req.headers['x-forwarded-proto'] ?? '')
        .split(',')[0]
        ?.trim() === 'https';
    const cookies = parseCookies(req.headers.cookie);
    const langCookie = cookies.get('iamd-lang');
    const lang = langCookie && isLang(langCookie) ? langCookie : chooseLang(String(req.headers['accept-language'] ?? ''));
    const now = this.deps.services.clock();
    const facts: RequestFacts = {
      sourceIp: (req.socket.remoteAddress ?? '0.0.0.0').replace(/^::ffff:/, ''),
      userAgent: String(req.headers['user-agent'] ?? ''),
      secureTransport: secure,
      region: DEFAULT_REGION[this.deps.services.partition],
      now,
    };
    let form = new URLSearchParams();
    if (method === 'POST') {
      const type = String(req.headers['content-type'] ?? '');
      let body: string;
      try {
        body = (await readBody(req, MAX_FORM_BYTES, () => new Error('too large'))).toString('utf8');
      } catch {
        res.writeHead(413).end();
        return;
      }
      form = type.startsWith('application/json') ? new URLSearchParams({ _json: body }) : new URLSearchParams(body);
      // Browsers submit textarea line breaks as CRLF: policy documents are stored as typed, with LF.
      if (!type.startsWith('application/json')) form = new URLSearchParams([...form].map(([k, v]) => [k, v.replace(/\r\n?/g, '\n')]));
    }
    const rq: Rq = {
      deps: this.deps,
      req,
      res,
      url,
      method,
      lang,
      t: translator(lang),
      secure,
      facts,
      form,
      path: '',
    };
    await this.loadSession(rq, cookies.get(sessionCookieName(secure)));

    // Cross-site POSTs are refused outright (defence in depth on top of the tokens and SameSite).
    if (method === 'POST') {
      const origin = req.headers.origin;
      if (origin && origin !== 'null') {
        const host = originHost(origin);
        if (host === undefined) return send(rq, 400, rq.t('error.badOrigin'), 'text/plain; charset=utf-8');
        if (host !== req.headers.host) return send(rq, 403, rq.t('error.csrf'), 'text/plain; charset=utf-8');
      }
    }
    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      const params = decodeParams(m.groups);
      if (!params) return send(rq, 400, rq.t('error.badPath'), 'text/plain; charset=utf-8');
      if (route.auth !== 'none') {
        if (!rq.session) return redirect(rq, `${PREFIX}/?next=${encodeURIComponent(url.pathname)}`);
        if (method === 'POST' && !this.checkCsrf(rq)) return send(rq, 403, rq.t('error.csrf'), 'text/plain; charset=utf-8');
        const stage = rq.session.stage;
        if (route.auth === 'active' && stage !== 'active') return redirect(rq, stage === 'mfa' ? `${APP}/mfa` : `${APP}/change-password`);
        if (route.auth === 'mfa' && stage !== 'mfa') return redirect(rq, APP);
        if (route.auth === 'reset' && stage === 'mfa') return redirect(rq, `${APP}/mfa`);
        // Leaving the page that showed new credentials: its one-time download is gone.
        if (!route.keepsOneTime && takeOneTimeMark(rq)) await this.deps.scratch.dropSession(rq.session.id_hash);
      }
      return route.handler(rq, params, this);
    }
    return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  }

  checkCsrf(rq: Rq): boolean {
    const given = rq.form.get('_csrf') ?? String(rq.req.headers['x-csrf-token'] ?? '');
    return Boolean(rq.session && given && sameSecret(given, rq.session.csrf));
  }

  /** The session named by the cookie, if it is still valid; a session whose user was deleted or whose password changed is ended. */
  private async loadSession(rq: Rq, token: string | undefined): Promise<void> {
    if (!token || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) return;
    const idHash = sha256(token);
    const now = rq.facts.now;
    const found = await this.deps.services.store.read(async (repo) => {
      const row = await repo.getConsoleSession(idHash);
      if (!row) return undefined;
      if (new Date(row.expires_at) <= now) return { row, end: true as const };
      const account = await repo.getAccount(row.account_id);
      if (!account) return { row, end: true as const };
      // Signed in through an OIDC provider: the role session it holds decides (below).
      if (row.role_session) return { row, account, user: undefined, federated: true as const };
      if (row.user_id === null) {
        if (!account.root_password_hash || passwordFingerprint(account.root_password_hash) !== row.password_fp) return { row, end: true as const };
        return { row, account, user: undefined };
      }
      const user = await repo.getEntityById(row.user_id);
      const profile = user ? await repo.getLoginProfile(user.id) : undefined;
      if (user?.kind !== 'user' || !profile || passwordFingerprint(profile.password_hash) !== row.password_fp) return { row, end: true as const };
      return { row, account, user };
    });
    if (!found) return;
    if ('end' in found) {
      await this.deps.services.store.write((repo) => endConsoleSession(repo, idHash));
      return;
    }
    if ('federated' in found) {
      const principal = await federatedPrincipal(this.deps.services, found.row, found.account, now);
      if (!principal) {
        await this.deps.services.store.write((repo) => endConsoleSession(repo, idHash));
        return;
      }
      rq.session = { ...found.row, token };
      rq.principal = principal;
      return;
    }
    rq.session = { ...found.row, token };
    if (found.row.stage === 'mfa') return;
    const partition = this.deps.services.partition;
    const { account, user } = found;
    const session = {
      issuedAt: new Date(found.row.created_at),
      expiresAt: new Date(found.row.expires_at),
      mfaAuthenticatedAt: found.row.mfa_at ? new Date(found.row.mfa_at) : undefined,
    };
    let caller: Caller;
    let principal: Principal;
    if (!user) {
      caller = { type: 'Root', accountId: account.id, partition, arn: rootArn(partition, account.id), userId: account.id };
      principal = { kind: 'root', caller, accountId: account.id, alias: account.alias, displayName: account.root_email ?? 'root', userId: null };
    } else {
      caller = {
        type: 'User',
        accountId: account.id,
        partition,
        arn: iamArn(partition, account.id, 'user', user.path, user.name),
        userId: user.id,
        entityId: user.id,
        userName: user.name,
        session,
      };
      principal = { kind: 'user', caller, accountId: account.id, alias: account.alias, displayName: user.name, userId: user.id };
    }
    rq.principal = principal;
  }

  /** Starts a new session (a fresh id: sign-in, MFA completed, password changed) and sets its cookie. */
  async startSession(
    rq: Rq,
    fields: { accountId: string; userId: string | null; stage: string; passwordFp: string; mfaAt?: Date; roleSession?: HeldRoleSession },
  ): Promise<void> {
    if (rq.session) await this.endSession(rq, false);
    const token = randomBytes(32).toString('base64url');
    const now = rq.facts.now;
    const ttl = fields.stage === 'active' ? SESSION_TTL_MS : PENDING_TTL_MS;
    const row: ConsoleSessionTable = {
      id_hash: sha256(token),
      account_id: fields.accountId,
      user_id: fields.userId,
      stage: fields.stage,
      csrf: randomBytes(24).toString('base64url'),
      password_fp: fields.passwordFp,
      mfa_at: fields.mfaAt ? fields.mfaAt.toISOString() : null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttl).toISOString(),
    };
    // A session signed in through an OIDC provider acts as its role session, and ends with it.
    if (fields.roleSession) {
      row.role_session = sealRoleSession(this.deps.services, row.id_hash, fields.roleSession);
      row.expires_at = new Date(Math.min(now.getTime() + ttl, fields.roleSession.expiresAt.getTime())).toISOString();
    }
    await this.deps.services.store.write(async (repo) => {
      await repo.deleteExpiredConsoleSessions(now);
      await repo.insertConsoleSession(row);
    });
    rq.session = { ...row, token };
    addCookie(rq.res, cookie(sessionCookieName(rq.secure), token, rq.secure));
  }

  async endSession(rq: Rq, clearCookie = true): Promise<void> {
    if (rq.session) {
      const idHash = rq.session.id_hash;
      await this.deps.services.store.write((repo) => endConsoleSession(repo, idHash));
    }
    rq.session = undefined;
    rq.principal = undefined;
    if (clearCookie) addCookie(rq.res, cookie(sessionCookieName(rq.secure), '', rq.secure, 0));
  }

  /** Ends every console session of a principal (password changed, user deleted). */
  async endSessionsOf(accountId: string, userId: string | null): Promise<void> {
    await this.deps.services.store.write((repo) => repo.deleteConsoleSessionsOfUser(accountId, userId));
  }

  /** The double-submit token for sign-in forms (set when missing). */
  preToken(rq: Rq): string {
    const existing = parseCookies(rq.req.headers.cookie).get(preCookieName(rq.secure));
    if (existing && /^[A-Za-z0-9_-]{20,64}$/.test(existing)) return existing;
    const token = randomBytes(24).toString('base64url');
    addCookie(rq.res, cookie(preCookieName(rq.secure), token, rq.secure));
    return token;
  }

  checkPre(rq: Rq): boolean {
    const existing = parseCookies(rq.req.headers.cookie).get(preCookieName(rq.secure));
    const given = rq.form.get('_pre');
    return Boolean(existing && given && sameSecret(existing, given));
  }

  setLang(rq: Rq, lang: string): void {
    if (isLang(lang)) addCookie(rq.res, `iamd-lang=${lang}; Path=/console; SameSite=Lax; Max-Age=31536000`);
  }
}

/** A session ends with the one-time pages and drafts it held (in the same transaction). */
async function endConsoleSession(repo: Repo, idHash: string): Promise<void> {
  await repo.deleteConsoleSession(idHash);
  await repo.deleteConsoleScratchOfSession(idHash);
}
