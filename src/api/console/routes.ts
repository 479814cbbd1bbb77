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
import { download, postUserOp, shownCredentialsPage, userPage, usersList } from './pages-users.ts';
import { addUserPage, postAddUser } from './pages-add-user.ts';
import { IDP_PATH, identityProvidersPage, postConsoleSignIn } from './pages-sso.ts';
import { ssoCallback, ssoChoose, ssoStart } from './sso.ts';
import { postIdentityProviderOp } from './pages-identity-providers.ts';
import { CREDENTIAL_REPORT_PATH, credentialReportPage, downloadCredentialReport, postGenerateCredentialReport } from './pages-credential-report.ts';
import { accessAdvisorPage } from './pages-access-advisor.ts';
import { postUserCredentialsOp, userCredentialsPage } from './pages-user-credentials.ts';
import { SERVER_CERTIFICATES_PATH, postServerCertificateOp, serverCertificatesPage } from './pages-server-certificates.ts';
import { AUDIT_PATH, auditPage } from './pages-audit.ts';
import { newPasskeyPage, postAuthenticate, postAuthenticationOptions, postRegister, postRegistrationOptions } from './pages-passkeys.ts';

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
  // Passkeys and security keys (pages-passkeys.ts): the MFA step's ceremony, and registration.
  { method: 'POST', pattern: p('/mfa/passkey/options'), auth: 'mfa', handler: postAuthenticationOptions },
  { method: 'POST', pattern: p('/mfa/passkey'), auth: 'mfa', handler: postAuthenticate },
  { method: 'GET', pattern: p('/passkeys/new'), auth: 'active', handler: newPasskeyPage },
  { method: 'POST', pattern: p('/passkeys/options'), auth: 'active', handler: postRegistrationOptions },
  { method: 'POST', pattern: p('/passkeys/register'), auth: 'active', handler: postRegister },
  { method: 'GET', pattern: p('/change-password'), auth: 'reset', handler: (rq) => changePasswordPage(rq) },
  { method: 'POST', pattern: p('/change-password'), auth: 'reset', handler: (rq, _p, app) => postChangePassword(rq, app) },
  { method: 'GET', pattern: p(''), auth: 'active', handler: dashboard },
  { method: 'POST', pattern: p('/alias'), auth: 'active', handler: postAlias },
  { method: 'POST', pattern: p('/alias/delete'), auth: 'active', handler: postDeleteAlias },
  { method: 'GET', pattern: p('/users'), auth: 'active', handler: usersList },
  // Add user (pages-add-user.ts): the POST keeps the one-time entries, so a repeated submission finds the first one's page.
  { method: 'GET', pattern: p('/users/new'), auth: 'active', handler: (rq) => addUserPage(rq) },
  { method: 'POST', pattern: p('/users/new'), auth: 'active', keepsOneTime: true, handler: (rq, _p, app) => postAddUser(rq, app) },
  { method: 'GET', pattern: p('/credentials/(?<token>[A-Za-z0-9_-]+)'), auth: 'active', keepsOneTime: true, handler: shownCredentialsPage },
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
  // Issue #19's pages: providers managed, credential report, Access Advisor, a user's other credentials, server certificates.
  { method: 'POST', pattern: p(`${IDP_PATH}/(?<op>create-oidc|create-saml|delete)`), auth: 'active', handler: postIdentityProviderOp },
  { method: 'GET', pattern: p(CREDENTIAL_REPORT_PATH), auth: 'active', handler: credentialReportPage },
  { method: 'POST', pattern: p(`${CREDENTIAL_REPORT_PATH}/generate`), auth: 'active', handler: postGenerateCredentialReport },
  { method: 'GET', pattern: p(`${CREDENTIAL_REPORT_PATH}/download`), auth: 'active', handler: downloadCredentialReport },
  { method: 'GET', pattern: p(`/(?<kind>users|groups|roles)/${SEG}/access-advisor`), auth: 'active', handler: accessAdvisorPage },
  { method: 'GET', pattern: p(`/users/${SEG}/credentials`), auth: 'active', handler: userCredentialsPage },
  {
    method: 'POST',
    pattern: p(
      `/users/${SEG}/credentials/(?<op>ssh/upload|ssh/status|ssh/delete|cert/upload|cert/status|cert/delete|ssc/create|ssc/reset|ssc/status|ssc/delete)`,
    ),
    auth: 'active',
    handler: postUserCredentialsOp,
  },
  { method: 'GET', pattern: p(SERVER_CERTIFICATES_PATH), auth: 'active', handler: serverCertificatesPage },
  { method: 'POST', pattern: p(`${SERVER_CERTIFICATES_PATH}/(?<op>upload|delete)`), auth: 'active', handler: postServerCertificateOp },
  // Issue #16: the audit trail's event history (pages-audit.ts).
  { method: 'GET', pattern: p(AUDIT_PATH), auth: 'active', handler: auditPage },
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
