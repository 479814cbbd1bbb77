// The page frame: header (principal, account, language switch, sign out), navigation, content.
import { APP, PREFIX, csrfField, type Rq } from './core.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import type { MessageKey } from './messages.ts';
import { localizeErrors } from './error-view.ts';

const NAV: { key: MessageKey; path: string }[] = [
  { key: 'nav.dashboard', path: '' },
  { key: 'nav.groups', path: '/groups' },
  { key: 'nav.users', path: '/users' },
  { key: 'nav.roles', path: '/roles' },
  { key: 'nav.policies', path: '/policies' },
  { key: 'nav.identityProviders', path: '/identity-providers' },
  { key: 'nav.credentialReport', path: '/credential-report' },
  { key: 'nav.serverCertificates', path: '/server-certificates' },
  { key: 'nav.accountSettings', path: '/account-settings' },
  { key: 'nav.simulator', path: '/simulator' },
  { key: 'nav.audit', path: '/audit' },
  { key: 'nav.services', path: '/services' },
  { key: 'nav.myCredentials', path: '/security-credentials' },
];

function langSwitch(rq: Rq): SafeHtml {
  const next = rq.method === 'GET' ? rq.url.pathname + rq.url.search : `${APP}`;
  const other = rq.lang === 'ja' ? 'en' : 'ja';
  const href = `${PREFIX}/lang/${other}?next=${encodeURIComponent(next)}`;
  return html`<a class="lang" id="lang-switch" hreflang="${other}" lang="${other}" href="${href}">${other === 'ja' ? '日本語' : 'English'}</a>`;
}

/** A bare page (sign-in, MFA, forced password change). */
export function bare(rq: Rq, title: string, body: HtmlValue): SafeHtml {
  return localizeErrors(rq, bareHtml(rq, title, body));
}

function bareHtml(rq: Rq, title: string, body: HtmlValue): SafeHtml {
  return html`<!doctype html>
<html lang="${rq.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – iamd</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${PREFIX}/static/console.css"><script src="${PREFIX}/static/console.js" defer></script></head>
<body class="bare"><header class="top"><span class="brand">iamd</span><span class="spacer"></span>${langSwitch(rq)}</header>
<main class="narrow"><h1>${title}</h1>${body}</main></body></html>`;
}

function navItem(rq: Rq, n: { key: MessageKey; path: string }, active: string): SafeHtml {
  return html`<li><a href="${APP}${n.path}"${active === n.path ? html` class="active" aria-current="page"` : ''}>${rq.t(n.key)}</a></li>`;
}

export function layout(rq: Rq, title: string, body: HtmlValue, active = ''): SafeHtml {
  return localizeErrors(rq, layoutHtml(rq, title, body, active));
}

function layoutHtml(rq: Rq, title: string, body: HtmlValue, active: string): SafeHtml {
  const p = rq.principal;
  const who = p ? (p.kind === 'root' ? rq.t('header.root') : p.displayName) : '';
  return html`<!doctype html>
<html lang="${rq.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – iamd</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${PREFIX}/static/console.css"><script src="${PREFIX}/static/console.js" defer></script></head>
<body><header class="top"><a class="brand" href="${APP}">iamd</a><span class="spacer"></span>
${p ? html`<span class="who" id="who" title="${p.caller.arn}">${who} @ ${p.alias ?? p.accountId}</span>` : ''}
${langSwitch(rq)}
${
  p
    ? html`<form method="post" action="${PREFIX}/signout" class="inline">${csrfField(rq)}\
<button type="submit" id="signout" class="link">${rq.t('header.signOut')}</button></form>`
    : ''
}
</header>
<div class="frame"><nav class="side" aria-label="${rq.t('nav.title')}"><details class="menu" open><summary>${rq.t('fix.menu')}</summary>\
<div class="service">${rq.t('nav.title')}</div><ul>${NAV.map((n) => navItem(rq, n, active))}</ul></details></nav>
<main><h1>${title}</h1>${body}</main></div></body></html>`;
}
