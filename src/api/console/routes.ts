// The console's URL map. `auth`: 'none' (sign-in pages), 'any' (any session), 'mfa' (the MFA
// step), 'reset' (forced password change, or a signed-in user changing it), 'active' (the rest).
import { APP, PREFIX, isLocalPath, redirect, send, type Rq } from './core.ts';
import type { Console } from './console.ts';
import { dashboard, postAlias, postDeleteAlias } from './pages-dashboard.ts';
import { attachPage, groupPage, groupsList, newGroupPage, postAttach, postGroupOp, postNewGroup } from './pages-groups.ts';
import { accountSettings, postDeletePasswordPolicy, postPasswordPolicy } from './pages-account.ts';
import { myCredentials, postMyCredentials } from './pages-credentials.ts';
import { inlinePage, postInline } from './pages-inline.ts';
import { mfaAssignPage, postMfaAssign } from './pages-mfa.ts';
import { newPolicyPage, policiesList, policyView, postNewPolicy, postPolicyVersion } from './pages-policies.ts';
import { validatePolicy } from './pages-policy-editor.ts';
import { changePasswordPage, isReservedSegment, mfaPage, postChangePassword, postMfa, postSignIn, signInPage, signOut } from './pages-signin.ts';
import { simulatorPage } from './pages-simulator.ts';
import { newServicePage, postNewService, postServiceOp, servicePage, servicesList, updateServicePage } from './pages-services.ts';
import { newRolePage, postNewRole, postRoleOp, rolePage, rolesList, trustPolicyApi } from './pages-roles.ts';
import { download, newUserPage, postNewUsers, postUserOp, userPage, usersList } from './pages-users.ts';
import { IDP_PATH, identityProvidersPage, postConsoleSignIn } from './pages-sso.ts';
import { ssoCallback, ssoChoose, ssoStart } from './sso.ts';

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  auth: 'none' | 'any' | 'mfa' | 'reset' | 'active';
  keepsOneTime?: boolean;
  handler: (rq: Rq, params: Record<string, string>, app: Console) => Promise<void> | void;
}

const p = (path: string) => new RegExp(`^${APP.replace(/\//g, '\\/')}${path}\\/?$`);
const SEG = '(?<name>[^/]+)';

/**
 * Where `?next=` may lead: a page of this console on this server, normalized (dot segments
 * resolved, what a header cannot carry percent-encoded); anything else leads to the sign-in page.
 */
export function consoleNext(next: string | null): string {
  const fallback = `${PREFIX}/`;
  if (!next?.startsWith(`${PREFIX}/`)) return fallback;
  let url: URL;
  try {
    url = new URL(next, 'http://console.invalid');
  } catch {
    return fallback;
  }
  const path = `${url.pathname}${url.search}`;
  return url.origin === 'http://console.invalid' && url.pathname.startsWith(`${PREFIX}/`) && isLocalPath(path) ? path : fallback;
}

export const routes: Route[] = [
  { method: 'GET', pattern: /^\/console\/?$/, auth: 'none', handler: (rq, _p, app) => signInPage(rq, app, '') },
  { method: 'POST', pattern: /^\/console\/signin$/, auth: 'none', handler: (rq, _p, app) => postSignIn(rq, app) },
  { method: 'POST', pattern: /^\/console\/signout$/, auth: 'any', handler: (rq, _p, app) => signOut(rq, app) },
  // Sign-in through an OIDC provider (sso.ts).
  { method: 'GET', pattern: /^\/console\/sso\/start$/, auth: 'none', handler: (rq) => ssoStart(rq) },
  { method: 'GET', pattern: /^\/console\/sso\/callback$/, auth: 'none', handler: (rq, _p, app) => ssoCallback(rq, app) },
  { method: 'POST', pattern: /^\/console\/sso\/choose$/, auth: 'none', handler: (rq, _p, app) => ssoChoose(rq, app) },
  {
    method: 'GET',
    pattern: /^\/console\/lang\/(?<lang>[a-z]{2})$/,
    auth: 'none',
    keepsOneTime: true,
    handler: (rq, params, app) => {
      if (params.lang === undefined) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
      app.setLang(rq, params.lang);
      redirect(rq, consoleNext(rq.url.searchParams.get('next')));
    },
  },
  { method: 'POST', pattern: /^\/console\/api\/validate-policy$/, auth: 'active', handler: validatePolicy },
  { method: 'GET', pattern: p('/mfa'), auth: 'mfa', handler: (rq) => mfaPage(rq) },
  { method: 'POST', pattern: p('/mfa'), auth: 'mfa', handler: (rq, _p, app) => postMfa(rq, app) },
  { method: 'GET', pattern: p('/change-password'), auth: 'reset', handler: (rq) => changePasswordPage(rq) },
  { method: 'POST', pattern: p('/change-password'), auth: 'reset', handler: (rq, _p, app) => postChangePassword(rq, app) },
  { method: 'GET', pattern: p(''), auth: 'active', handler: dashboard },
  { method: 'POST', pattern: p('/alias'), auth: 'active', handler: postAlias },
  { method: 'POST', pattern: p('/alias/delete'), auth: 'active', handler: postDeleteAlias },
  { method: 'GET', pattern: p('/users'), auth: 'active', handler: usersList },
  { method: 'GET', pattern: p('/users/new'), auth: 'active', handler: (rq) => newUserPage(rq) },
  { method: 'POST', pattern: p('/users/new'), auth: 'active', handler: (rq, _p, app) => postNewUsers(rq, app) },
  { method: 'GET', pattern: p(`/users/${SEG}`), auth: 'active', handler: userPage },
  {
    method: 'POST',
    pattern: p(`/users/${SEG}/(?<op>delete|groups/add|groups/remove|detach|keys/create|keys/status|keys/delete|password|mfa/remove|tag|untag)`),
    auth: 'active',
    handler: postUserOp,
  },
  { method: 'GET', pattern: p('/download/(?<token>[A-Za-z0-9_-]+)'), auth: 'active', keepsOneTime: true, handler: download },
  { method: 'GET', pattern: p('/groups'), auth: 'active', handler: groupsList },
  { method: 'GET', pattern: p('/groups/new'), auth: 'active', handler: (rq) => newGroupPage(rq) },
  { method: 'POST', pattern: p('/groups/new'), auth: 'active', handler: postNewGroup },
  { method: 'GET', pattern: p(`/groups/${SEG}`), auth: 'active', handler: groupPage },
  { method: 'POST', pattern: p(`/groups/${SEG}/(?<op>users/add|users/remove|detach|delete)`), auth: 'active', handler: postGroupOp },
  { method: 'GET', pattern: p('/attach'), auth: 'active', handler: attachPage },
  { method: 'POST', pattern: p('/attach'), auth: 'active', handler: postAttach },
  { method: 'GET', pattern: p('/inline'), auth: 'active', handler: inlinePage },
  { method: 'POST', pattern: p('/inline(?:/(?<op>delete))?'), auth: 'active', handler: postInline },
  { method: 'GET', pattern: p('/policies'), auth: 'active', handler: policiesList },
  { method: 'GET', pattern: p('/policies/new'), auth: 'active', handler: (rq) => newPolicyPage(rq) },
  { method: 'POST', pattern: p('/policies/new'), auth: 'active', handler: postNewPolicy },
  { method: 'GET', pattern: p('/policies/view'), auth: 'active', handler: policyView },
  { method: 'POST', pattern: p('/policies/version(?:/(?<op>default|delete))?'), auth: 'active', handler: postPolicyVersion },
  { method: 'GET', pattern: p('/account-settings'), auth: 'active', handler: accountSettings },
  { method: 'POST', pattern: p('/account-settings/password-policy'), auth: 'active', handler: postPasswordPolicy },
  { method: 'POST', pattern: p('/account-settings/password-policy/delete'), auth: 'active', handler: postDeletePasswordPolicy },
  { method: 'GET', pattern: p('/security-credentials'), auth: 'active', handler: myCredentials },
  { method: 'POST', pattern: p('/security-credentials/(?<op>keys/delete|keys/create|mfa/remove)'), auth: 'active', handler: postMyCredentials },
  { method: 'GET', pattern: p('/mfa-assign'), auth: 'active', handler: mfaAssignPage },
  { method: 'POST', pattern: p('/mfa-assign'), auth: 'active', handler: postMfaAssign },
  { method: 'POST', pattern: /^\/console\/api\/trust-policy$/, auth: 'active', handler: trustPolicyApi },
  { method: 'GET', pattern: p('/roles'), auth: 'active', handler: rolesList },
  { method: 'GET', pattern: p('/roles/new'), auth: 'active', handler: (rq) => newRolePage(rq) },
  { method: 'POST', pattern: p('/roles/new'), auth: 'active', handler: postNewRole },
  { method: 'GET', pattern: p(`/roles/${SEG}`), auth: 'active', handler: rolePage },
  {
    method: 'POST',
    pattern: p(`/roles/${SEG}/(?<op>update|trust|detach|boundary|boundary/delete|revoke-sessions|instance-profile|workloads/revoke|tag|untag|delete)`),
    auth: 'active',
    handler: postRoleOp,
  },
  { method: 'GET', pattern: p('/simulator'), auth: 'active', handler: simulatorPage },
  { method: 'POST', pattern: p('/simulator'), auth: 'active', handler: simulatorPage },
  { method: 'GET', pattern: p('/services'), auth: 'active', handler: servicesList },
  { method: 'GET', pattern: p('/services/new'), auth: 'active', handler: (rq) => newServicePage(rq) },
  { method: 'POST', pattern: p('/services/new'), auth: 'active', handler: postNewService },
  { method: 'GET', pattern: p(`/services/${SEG}`), auth: 'active', handler: servicePage },
  { method: 'GET', pattern: p(`/services/${SEG}/update`), auth: 'active', handler: updateServicePage },
  { method: 'POST', pattern: p(`/services/${SEG}/(?<op>update|delete)`), auth: 'active', handler: postServiceOp },
  { method: 'GET', pattern: p(IDP_PATH), auth: 'active', handler: identityProvidersPage },
  { method: 'POST', pattern: p(`${IDP_PATH}/console-sign-in`), auth: 'active', handler: postConsoleSignIn },
  // Last: /console/ACCOUNT_ID or /console/ALIAS, the sign-in page for that account.
  {
    method: 'GET',
    pattern: /^\/console\/(?<account>[^/]+)\/?$/,
    auth: 'none',
    handler: (rq, params, app) =>
      params.account === undefined || isReservedSegment(params.account)
        ? send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8')
        : signInPage(rq, app, params.account),
  },
];
