// What every console page works with: the request, the signed-in principal, the language, and
// small helpers to answer (HTML with security headers, redirects, errors).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller, RequestFacts, Services } from '../../actions/context.ts';
import type { InputOf, OperationName, OutputOf, ServiceName } from '../../actions/registry.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import type { Invoker } from './invoke.ts';
import { translator, type Lang, type MessageKey, type Translate } from './messages.ts';
import type { ConsoleSessionTable } from './data.ts';
import type { SignInService } from './signin.ts';
import type { ConsoleScratch } from './scratch.ts';
import { deniedReason } from './error-view.ts';

export const PREFIX = '/console';
export const APP = `${PREFIX}/iam`;

export interface Principal {
  /** 'role': a role session, signed in through an OIDC provider (./sso.ts). */
  kind: 'root' | 'user' | 'role';
  caller: Caller;
  accountId: string;
  alias: string | null;
  /** The user name, the root email, or ROLE/SESSION for a role session. */
  displayName: string;
  userId: string | null;
}

export interface Deps {
  services: Services;
  invoker: Invoker;
  signin: SignInService;
  scratch: ConsoleScratch;
}

export interface Rq {
  deps: Deps;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  lang: Lang;
  t: Translate;
  secure: boolean;
  facts: RequestFacts;
  /** The session row (with the raw token) and, once it is fully signed in, the principal. */
  session?: ConsoleSessionTable & { token: string };
  principal?: Principal;
  form: URLSearchParams;
  /** The path after /console/iam, without a trailing slash. */
  path: string;
}

/** The signed-in principal (pages behind `requireActive` may rely on it). */
export function me(rq: Rq): Principal {
  if (!rq.principal) throw new Error('no principal');
  return rq.principal;
}

/**
 * Runs an operation as the signed-in principal, through the same dispatch as the Query API. Typed
 * by the operation's name: the input is what the model accepts (the console may give numbers and
 * flags as strings: the model's decoder reads them as the Query API would), the output its result.
 */
export function call<S extends ServiceName = 'iam', Op extends OperationName<S> = OperationName<S>>(
  rq: Rq,
  action: Op,
  input: ConsoleInput<InputOf<S, Op>> = {} as ConsoleInput<InputOf<S, Op>>,
  service: S = 'iam' as S,
): Promise<NonNullable<OutputOf<S, Op>> | Record<string, never>> {
  return rq.deps.invoker.call(me(rq).caller, rq.facts, action, input, service) as Promise<NonNullable<OutputOf<S, Op>> | Record<string, never>>;
}

/**
 * call() for an operation chosen at run time (the attach/put/delete of whichever kind a form
 * names, the outputs.ts readers): the same dispatch, with the input and output untyped.
 */
export function callByName(rq: Rq, action: string, input: Record<string, unknown> = {}, service = 'iam'): Promise<Record<string, unknown>> {
  return rq.deps.invoker.call(me(rq).caller, rq.facts, action, input, service);
}

/** An operation's input as a console form gives it: any member may arrive as text. */
type ConsoleInput<T> = { [K in keyof T]?: T[K] | string };

export function can(rq: Rq, action: string, resource: string): Promise<{ allowed: boolean; reason?: string }> {
  return rq.deps.invoker.can(me(rq).caller, rq.facts, action, resource);
}

export function arnOf(rq: Rq, kind: 'user' | 'group' | 'role' | 'policy', name: string, path = '/'): string {
  return `arn:${me(rq).caller.partition}:iam::${me(rq).accountId}:${kind}${path}${name}`;
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
}

export function send(rq: Rq, status: number, body: SafeHtml | string, contentType = 'text/html; charset=utf-8'): void {
  securityHeaders(rq.res);
  // Pages may show secrets and always show account data: never cached, anywhere.
  rq.res.setHeader('cache-control', 'no-store');
  rq.res.setHeader('content-type', contentType);
  const text = typeof body === 'string' ? body : body.value;
  rq.res.setHeader('content-length', Buffer.byteLength(text));
  rq.res.writeHead(status);
  rq.res.end(text);
}

export function redirect(rq: Rq, location: string, status = 303): void {
  securityHeaders(rq.res);
  rq.res.setHeader('cache-control', 'no-store');
  rq.res.writeHead(status, { location: isLocalPath(location) ? location : `${PREFIX}/` });
  rq.res.end();
}

/**
 * A path of this server that a Location header can carry: printable ASCII only (no CR/LF, so no
 * header injection and no ERR_INVALID_CHAR), and never another site (`//host`, `/\host`, `https:`).
 */
export function isLocalPath(location: string): boolean {
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(location) && !location.includes('\\');
}

/** The JSON object a JSON request carries (its body, as `_json`); undefined when the body is not one. */
export function jsonObject(rq: Rq): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(rq.form.get('_json') ?? '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The answer of a JSON endpoint to a body that is not a JSON object. */
export function badJson(rq: Rq): void {
  send(rq, 400, JSON.stringify({ error: rq.t('error.badJson') }), 'application/json');
}

/** An error to show on a page: AWS's message for AwsError, a generic one for anything else. */
export function errorText(rq: Rq, error: unknown): string {
  if (error instanceof AwsError) return `${error.code}: ${error.message}`;
  rq.deps.services.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'console error');
  return rq.t('error.internal');
}

export function csrfField(rq: Rq): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${rq.session?.csrf ?? ''}">`;
}

/** A POST button in its own small form; shown disabled with the reason when not allowed. */
export function postButton(
  rq: Rq,
  action: string,
  label: string,
  opts: { allowed?: { allowed: boolean; reason?: string }; fields?: Record<string, string>; danger?: boolean; confirm?: string; id?: string } = {},
): SafeHtml {
  const disabled = opts.allowed && !opts.allowed.allowed;
  return html`<form method="post" action="${action}" class="inline"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''}>${csrfField(rq)}${Object.entries(opts.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit"${opts.id ? html` id="${opts.id}"` : ''} class="${opts.danger ? 'danger' : ''}"${disabled ? html` disabled title="${opts.allowed?.reason ?? ''}"` : ''}>${label}</button>${disabled ? deniedReason(rq, opts.allowed?.reason) : ''}</form>`;
}

export function notice(kind: 'ok' | 'error' | 'info', text: HtmlValue): SafeHtml {
  return html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>`;
}

/** How long an error message set before a redirect waits for the page it redirects to. */
export const FLASH_TTL_MS = 2 * 60 * 1000;
const flashCookie = (rq: Rq) => (rq.secure ? '__Host-iamd-flash' : 'iamd-flash');
const flashRecord = (rq: Rq) => `console-flash:${rq.session?.id_hash ?? ''}`;

function setCookieHeader(rq: Rq, value: string): void {
  const existing = rq.res.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  rq.res.setHeader('set-cookie', [...list, value]);
}

const oneTimeCookie = (rq: Rq) => (rq.secure ? '__Host-iamd-one-time' : 'iamd-one-time');

/**
 * Marks the browser as holding a one-time page (ConsoleScratch): the next page it views elsewhere
 * deletes the session's one-time entries. Only then is there a write, on whichever worker serves it.
 */
export function markOneTime(rq: Rq): void {
  setCookieHeader(rq, `${oneTimeCookie(rq)}=1; Path=/; HttpOnly; SameSite=Strict${rq.secure ? '; Secure' : ''}; Max-Age=900`);
}

/** True (and the mark cleared) when the browser was shown a one-time page since its last other page. */
export function takeOneTimeMark(rq: Rq): boolean {
  const name = `${oneTimeCookie(rq)}=`;
  const marked = (rq.req.headers.cookie ?? '').split(';').some((c) => c.trim().startsWith(name));
  if (marked) setCookieHeader(rq, `${name}; Path=/; HttpOnly; SameSite=Strict${rq.secure ? '; Secure' : ''}; Max-Age=0`);
  return marked;
}

/**
 * An error to show on the page `path` after a redirect. It never travels in the URL (a crafted
 * link could otherwise make the console show any text): it is sealed with the server's key and
 * bound to this session, so only iamd can have written it, and it shows once, on that page only.
 */
export function setFlashError(rq: Rq, path: string, text: string): void {
  if (!rq.session) return;
  const payload = JSON.stringify({ p: path.split('?')[0], t: text.slice(0, 1500), at: rq.facts.now.getTime() });
  const sealed = rq.deps.services.secrets.seal(payload, flashRecord(rq));
  setCookieHeader(rq, `${flashCookie(rq)}=${sealed}; Path=/; HttpOnly; SameSite=Strict${rq.secure ? '; Secure' : ''}; Max-Age=${FLASH_TTL_MS / 1000}`);
}

/** The error set by setFlashError for this page, if any (and then cleared). */
function takeFlashError(rq: Rq): string | undefined {
  const raw = (rq.req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${flashCookie(rq)}=`));
  if (!raw || !rq.session) return undefined;
  let payload: { p?: string; t?: string; at?: number };
  try {
    payload = JSON.parse(rq.deps.services.secrets.open(raw.slice(flashCookie(rq).length + 1), flashRecord(rq)));
  } catch {
    payload = {};
  }
  if (payload.p !== undefined && payload.p !== rq.url.pathname) return undefined;
  setCookieHeader(rq, `${flashCookie(rq)}=; Path=/; HttpOnly; SameSite=Strict${rq.secure ? '; Secure' : ''}; Max-Age=0`);
  if (typeof payload.t !== 'string' || typeof payload.at !== 'number' || Math.abs(rq.facts.now.getTime() - payload.at) > FLASH_TTL_MS) return undefined;
  return payload.t;
}

/** Redirects to `path` showing `error` there (see setFlashError). */
export function redirectWithError(rq: Rq, path: string, error: unknown): void {
  setFlashError(rq, path, errorText(rq, error));
  redirect(rq, path);
}

/**
 * The messages of the page: `?ok=key` names a success message of the catalogue (nothing else can
 * be shown through the URL); an error comes from setFlashError.
 */
export function flash(rq: Rq): SafeHtml {
  const ok = rq.url.searchParams.get('ok');
  const err = takeFlashError(rq);
  return html`${ok && isMessageKey(rq, `ok.${ok}`) ? notice('ok', rq.t(`ok.${ok}` as MessageKey)) : ''}${err ? notice('error', err) : ''}`;
}

function isMessageKey(rq: Rq, key: string): boolean {
  return rq.t.has(key);
}

export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function fmtDate(rq: Rq, d: unknown): string {
  if (!(d instanceof Date) && typeof d !== 'string') return '—';
  const date = d instanceof Date ? d : new Date(d);
  return date.toLocaleString(rq.lang === 'ja' ? 'ja-JP' : 'en-US', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }) + ' UTC';
}

export { translator };
