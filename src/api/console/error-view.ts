// Errors in words people can read (issue #19): an AWS error shown on a Japanese page becomes a
// plain translated sentence, with AWS's own `Code: message` kept beneath it (<details>); a
// disabled action says briefly why, with the full AccessDenied text on demand. English pages keep
// AWS's text as the notice itself (it is already in the reader's language, and scripts match it).
import type { Rq } from './core.ts';
import { html, SafeHtml } from './html.ts';
import type { MessageKey } from './messages.ts';

/** The AWS error codes that get a sentence of their own; any other code gets `err.other`. */
const EXPLAINED = new Set([
  'AccessDenied',
  'EntityAlreadyExists',
  'NoSuchEntity',
  'LimitExceeded',
  'ValidationError',
  'DeleteConflict',
  'PasswordPolicyViolation',
]);
const ALIASES: Record<string, string> = { InvalidInput: 'ValidationError', MalformedPolicyDocument: 'ValidationError', UnmodifiableEntity: 'AccessDenied' };
/** `Code: message` as errorText() writes it, possibly after a prefix (`Groups could not be loaded: `). */
const AWS_ERROR = /(^|: )([A-Z][A-Za-z]+): /g;
const KNOWN_CODE =
  /^(AccessDenied|EntityAlreadyExists|NoSuchEntity|LimitExceeded|ValidationError|DeleteConflict|PasswordPolicyViolation|InvalidInput|MalformedPolicyDocument|UnmodifiableEntity|ConcurrentModification|ServiceFailure|EntityTemporarilyUnmodifiable|PolicyNotAttachable|DuplicateCertificate|KeyPairMismatch|MalformedCertificate|InvalidAuthenticationCode|Throttling|ReportGenerationLimitExceeded|CredentialReportNotPresent|OpenIdIdpCommunicationError|InvalidPublicKey|DuplicateSSHPublicKey|UnrecognizedPublicKeyEncoding|InvalidUserType|PasswordResetRequired|InvalidClientTokenId|ExpiredToken|RegionDisabled|PackedPolicyTooLarge|IDPRejectedClaim|InvalidIdentityToken|IDPCommunicationError|MalformedPolicy)$/;

function sentence(rq: Rq, code: string): string {
  const key = ALIASES[code] ?? code;
  return rq.t((EXPLAINED.has(key) ? `err.${key}` : 'err.other') as MessageKey);
}

/** One text of a notice, explained when it carries an AWS error (Japanese pages only). */
export function explainText(rq: Rq, text: string): SafeHtml | undefined {
  if (rq.lang === 'en') return undefined;
  const m = [...text.matchAll(AWS_ERROR)].find((x) => KNOWN_CODE.test(x[2] ?? ''));
  if (!m) return undefined;
  const start = m.index + (m[1] ?? '').length;
  const code = m[2] ?? '';
  return html`${text.slice(0, start)}<span class="plain-error">${sentence(rq, code)}</span>\
<details class="aws-error"><summary>${rq.t('fix.details')}</summary><code lang="en">${text.slice(start)}</code></details>`;
}

const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e] ?? '');

/**
 * Rewrites the error notices of a rendered page (their text runs) with explainText. The page is
 * iamd's own output: notices are `<div class="notice error" role="alert">…</div>` with text, lists
 * or links inside, never another div.
 */
export function localizeErrors(rq: Rq, page: SafeHtml): SafeHtml {
  if (rq.lang === 'en' || !page.value.includes('class="notice error"')) return page;
  const out = page.value.replace(/(<div class="notice error" role="alert">)([\s\S]*?)(<\/div>)/g, (_all, open: string, inner: string, close: string) => {
    const explained = inner.replace(/(^|>)([^<]+)/g, (m, gt: string, text: string) => {
      const view = explainText(rq, decode(text));
      return view ? gt + view.value : m;
    });
    return open + explained + close;
  });
  return new SafeHtml(out);
}

/** A disabled action's reason: a short sentence, and AWS's AccessDenied text on demand. */
export function deniedReason(rq: Rq, reason: string | undefined): SafeHtml {
  return html`<span class="reason">${rq.t('fix.denied')}</span>${
    reason ? html`<details class="reason-more"><summary>${rq.t('fix.deniedWhy')}</summary><code lang="en">${reason}</code></details>` : ''
  }`;
}
