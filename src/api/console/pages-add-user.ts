// Add user, as AWS's console does it (issue #19): user details and access type, permissions (add
// to groups, with a group created inline; copy another user's permissions; attach policies
// directly), tags, a review step, then Create. All or nothing: everything is checked first
// (names, the custom password against the account's policy, groups, policies, tags); a failure
// while creating undoes what was created. The answer is redirect-after-POST: the credentials page
// is a GET of a one-time entry, so Back and Forward never resubmit, and a repeated submission of
// the same form (a double click) gets the first one's page (form-once.ts).
import { generatePassword } from '../../crypto/passwords.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { passwordViolations } from '../../iam/password-policy.ts';
import { APP, call, csrfField, errorText, markOneTime, notice, redirect, send, type Rq } from './core.ts';
import type { Console } from './console.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { nameAttrs, validName } from './name-field.ts';
import { listAll, read, type GroupRow, type Tag, type UserRow } from './outputs.ts';
import { readPasswordPolicy } from './pages-account.ts';
import { attachablePolicies, policyPicker } from './pages-groups.ts';
import { keepCredentials, MAX_NEW_USERS, type Issued } from './pages-users.ts';
import { passwordRules } from './password-rules.ts';
import { degraded, load, loaded, section } from './sections.ts';

const CHANGE_PASSWORD_POLICY = 'arn:aws:iam::aws:policy/IAMUserChangePassword';
const TAG_ROWS = 3;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

type PermMode = 'group' | 'copy' | 'attach';

/** The wizard's choices, read from its form (the same fields on every step). */
interface Choices {
  names: string[];
  programmatic: boolean;
  consoleAccess: boolean;
  custom: boolean;
  customPassword: string;
  resetRequired: boolean;
  permMode: PermMode;
  groups: string[];
  newGroup: string;
  policies: string[];
  copyFrom: string;
  tags: Tag[];
}

function choicesOf(rq: Rq): Choices {
  const f = rq.form;
  const mode = f.get('permMode');
  return {
    names: Array.from({ length: MAX_NEW_USERS }, (_, i) => (f.get(`name${i + 1}`) ?? '').trim()).filter((n) => n),
    programmatic: f.get('programmatic') === '1',
    consoleAccess: f.get('console') === '1',
    custom: f.get('passwordMode') === 'custom',
    customPassword: f.get('customPassword') ?? '',
    resetRequired: f.get('resetRequired') === '1',
    permMode: mode === 'copy' || mode === 'attach' ? mode : 'group',
    groups: f.getAll('group'),
    newGroup: (f.get('newGroup') ?? '').trim(),
    policies: f.getAll('policy'),
    copyFrom: f.get('copyFrom') ?? '',
    tags: Array.from({ length: TAG_ROWS }, (_, i) => ({ Key: (f.get(`tagKey${i + 1}`) ?? '').trim(), Value: f.get(`tagValue${i + 1}`) ?? '' })).filter(
      (t) => t.Key || t.Value,
    ),
  };
}

const checked = (on: unknown) => (on ? ' checked' : '');

/** The form: every step's fields, kept as typed when the page is shown again (errors, Previous). */
export async function addUserPage(rq: Rq, errors: string[] = []): Promise<void> {
  const t = rq.t;
  // GET ?draft=T: the form as it was left (Previous), or (&step=review) the review of it.
  if (rq.method === 'GET') {
    const token = rq.url.searchParams.get('draft');
    const fields = await rq.deps.scratch.draftFields(token, rq.session!.id_hash, rq.facts.now.getTime());
    if (fields) {
      rq.form = fields;
      if (rq.url.searchParams.get('step') === 'review' && token) return reviewPage(rq, choicesOf(rq), token);
    }
  }
  const f = rq.form;
  const [groups, users, policy, attachable] = await Promise.all([
    load(rq, () => listAll(rq, 'ListGroups')),
    load(rq, () => listAll(rq, 'ListUsers')),
    readPasswordPolicy(rq),
    attachablePolicies(rq),
  ]);
  const c = choicesOf(rq);
  const raw = Array.from({ length: MAX_NEW_USERS }, (_, i) => f.get(`name${i + 1}`) ?? '');
  const passwordMode = f.get('passwordMode') ?? 'auto';
  // Names 2 to 5 are all there without JavaScript; console.js shows each once the previous is filled.
  const nameField = (n: string, i: number) => html`<label class="${i > 0 ? 'extra' : ''}">\
${t('users.name')} ${i + 1}<input name="name${i + 1}" id="user-name-${i + 1}" value="${n}"${nameAttrs(rq, 64)}${i === 0 ? ' required' : ''}>\
<span class="field-error" aria-live="polite"></span></label>`;
  const chosenGroups = new Set(c.groups);
  const groupItem = (g: GroupRow) =>
    html`<li><label class="check"><input type="checkbox" name="group" value="${g.GroupName}"${checked(chosenGroups.has(g.GroupName))}> ${g.GroupName}</label></li>`;
  const groupList = (list: GroupRow[]) =>
    list.length === 0 ? html`<p class="empty">${t('groups.none')}</p>` : html`<ul class="plain" id="group-choices">${list.map(groupItem)}</ul>`;
  const userOption = (u: UserRow) => html`<option value="${u.UserName}"${u.UserName === c.copyFrom ? ' selected' : ''}>${u.UserName}</option>`;
  const mode = (m: PermMode, label: string, hint: string) => html`<label class="check"><input type="radio" name="permMode" value="${m}" id="perm-${m}"\
${checked(c.permMode === m)}> ${label}</label><p class="hint">${hint}</p>`;
  const tagRow = (i: number) => html`<div class="tag-row"><label>${t('fix.tagKey')} ${i + 1}<input name="tagKey${i + 1}" id="tag-key-${i + 1}" \
value="${f.get(`tagKey${i + 1}`) ?? ''}"></label><label>${t('fix.tagValue')}<input name="tagValue${i + 1}" id="tag-value-${i + 1}" \
value="${f.get(`tagValue${i + 1}`) ?? ''}"></label></div>`;
  const body = html`${errors.length > 0 ? notice('error', html`<ul id="add-user-errors">${errors.map((e) => html`<li>${e}</li>`)}</ul>`) : ''}
<form method="post" action="${APP}/users/new" id="new-user-form" data-submit-once>${csrfField(rq)}
<section class="card"><h2>${t('users.step.details')}</h2>
<p class="hint">${t('users.upToFive')}</p>
${raw.map(nameField)}
<p class="hint">${t('users.nameRules')}</p>
</section>
<section class="card"><h2>${t('users.accessType')}</h2>
<label class="check"><input type="checkbox" name="programmatic" id="programmatic" value="1"${checked(c.programmatic)}> ${t('users.programmatic')}</label>
<p class="hint">${t('users.programmaticHint')}</p>
<label class="check"><input type="checkbox" name="console" id="console-access" value="1"${checked(c.consoleAccess)}> ${t('users.consoleAccess')}</label>
<p class="hint">${t('users.consoleHint')}</p>
<fieldset id="password-options"><legend>${t('users.consolePassword')}</legend>
<label class="check"><input type="radio" name="passwordMode" value="auto" id="password-auto"${checked(passwordMode !== 'custom')}> \
${t('users.autoPassword')}</label>
<label class="check"><input type="radio" name="passwordMode" value="custom" id="password-custom"${checked(passwordMode === 'custom')}> \
${t('users.customPassword')}</label>
<label class="custom-password">${t('users.customPassword')}<input type="password" name="customPassword" id="custom-password" \
autocomplete="new-password" value="${c.customPassword}"></label>
${policy.ok ? '' : degraded(t('users.policyUnknown', { reason: policy.reason }))}
<ul class="rules">${passwordRules(rq, policy.ok ? policy.value : undefined).map((r) => html`<li>${r}</li>`)}</ul>
<label class="check"><input type="checkbox" name="resetRequired" id="reset-required" value="1"${checked(c.resetRequired || rq.method === 'GET')}> \
${t('users.requireReset')}</label>
<p class="hint">${t('users.requireResetHint')}</p>
</fieldset></section>
<section class="card" id="permissions-step"><h2>${t('fix.permissions')}</h2>
<fieldset id="perm-modes"><legend>${t('fix.permissions')}</legend>
${mode('group', t('fix.permGroup'), t('fix.permGroupHint'))}
${mode('copy', t('fix.permCopy'), t('fix.permCopyHint'))}
${mode('attach', t('fix.permAttach'), t('fix.permAttachHint'))}
</fieldset>
<div data-perm="group"><h3>${t('nav.groups')}</h3>
${section(rq, t('nav.groups'), groups, groupList)}
<h3>${t('fix.createGroup')}</h3>
<label>${t('fix.newGroupName')}<input name="newGroup" id="new-group-name" value="${c.newGroup}"${nameAttrs(rq, 128)}>\
<span class="field-error" aria-live="polite"></span></label></div>
<div data-perm="copy"><label>${t('fix.copyFrom')}<select name="copyFrom" id="copy-from"><option value="">${t('fix.chooseUser')}</option>\
${users.ok ? users.value.map(userOption) : ''}</select></label>${users.ok ? '' : degraded(users.reason)}</div>
<div data-perm="group attach"><h3><span data-perm="group">${t('fix.newGroupPolicies')}</span><span data-perm="attach">${t('fix.policies')}</span></h3>
${policyPicker(rq, attachable, new Set(c.policies))}</div>
</section>
<section class="card" id="tags-step"><h2>${t('fix.tags')}</h2>
${Array.from({ length: TAG_ROWS }, (_, i) => tagRow(i))}
</section>
<div class="actions"><a class="button" href="${APP}/users">${t('common.cancel')}</a>\
<button type="submit" class="primary" name="step" value="review" id="review-users">${t('fix.next')}</button></div>
</form>`;
  send(rq, errors.length > 0 ? 400 : 200, layout(rq, t('users.addTitle'), body, '/users'));
}

/** What AWS would refuse, checked before anything is created. */
async function problems(rq: Rq, c: Choices): Promise<string[]> {
  const t = rq.t;
  const out: string[] = [];
  if (c.names.length === 0) out.push(t('users.nameRequired'));
  if (new Set(c.names.map((n) => n.toLowerCase())).size !== c.names.length) out.push(t('users.duplicate'));
  for (const name of c.names) {
    if (name.length > 64) out.push(t('fix.userNameTooLong', { name: name.slice(0, 20), n: name.length }));
    else if (!validName(name, 64)) out.push(t('fix.userNameChars', { name }));
    else if ((await load(rq, () => read(rq, 'GetUser', { UserName: name }))).ok) out.push(t('fix.userExists', { name }));
  }
  if (!c.programmatic && !c.consoleAccess) out.push(t('users.chooseAccess'));
  if (c.consoleAccess && c.custom) {
    if (!c.customPassword) out.push(t('users.customRequired'));
    else {
      const policy = await readPasswordPolicy(rq);
      // Unreadable policy: CreateLoginProfile decides (and a refusal undoes the users).
      if (policy.ok) {
        for (const name of c.names) {
          const v = passwordViolations(c.customPassword, policy.value, name);
          if (v.length > 0) {
            const reason = `PasswordPolicyViolation: Password does not conform to the account password policy. ${v.join('. ')}.`;
            out.push(t('fix.passwordFor', { name, reason }));
          }
        }
      }
    }
  }
  if (c.permMode === 'group') {
    for (const g of c.groups)
      if (missing(await load(rq, () => read(rq, 'GetGroup', { GroupName: g, MaxItems: 1 })))) out.push(t('fix.groupMissing', { name: g }));
    if (c.newGroup) {
      if (!validName(c.newGroup, 128)) out.push(t('fix.groupNameInvalid', { name: c.newGroup.slice(0, 40) }));
      else if ((await load(rq, () => read(rq, 'GetGroup', { GroupName: c.newGroup, MaxItems: 1 }))).ok) out.push(t('fix.groupExists', { name: c.newGroup }));
    }
  }
  if (c.permMode === 'copy') {
    if (!c.copyFrom) out.push(t('fix.copyChoose'));
    else if (missing(await load(rq, () => read(rq, 'GetUser', { UserName: c.copyFrom })))) out.push(t('fix.copyMissing', { name: c.copyFrom }));
  }
  if (c.permMode === 'attach' || (c.permMode === 'group' && c.newGroup)) {
    for (const arn of c.policies) if (missing(await load(rq, () => read(rq, 'GetPolicy', { PolicyArn: arn })))) out.push(t('fix.policyMissing', { arn }));
  }
  const keys = new Set<string>();
  for (const tag of c.tags) {
    if (
      !tag.Key ||
      tag.Key.length > 128 ||
      tag.Value.length > 256 ||
      !TAG_TEXT.test(tag.Key) ||
      !TAG_TEXT.test(tag.Value) ||
      tag.Key.toLowerCase().startsWith('aws:')
    )
      out.push(t('fix.tagInvalid', { key: tag.Key.slice(0, 40) }));
    else if (keys.has(tag.Key)) out.push(t('fix.tagDuplicate', { key: tag.Key }));
    keys.add(tag.Key);
  }
  return out;
}

function missing(result: { ok: boolean; error?: unknown }): boolean {
  return !result.ok && result.error instanceof AwsError && result.error.code === 'NoSuchEntity';
}

/** The review step: what will be created (the choices stay in the draft, never in the page). */
function reviewPage(rq: Rq, c: Choices, draft: string): void {
  const t = rq.t;
  const list = (items: string[]) => (items.length === 0 ? t('fix.none') : html`<ul class="plain">${items.map((i) => html`<li>${i}</li>`)}</ul>`);
  const access = [c.programmatic ? t('users.programmatic') : '', c.consoleAccess ? t('users.consoleAccess') : ''].filter(Boolean);
  const permission =
    c.permMode === 'group'
      ? list([...c.groups, ...(c.newGroup ? [`${c.newGroup} (${t('fix.createGroup')}: ${c.policies.map((a) => a.split('/').pop()).join(', ')})`] : [])])
      : c.permMode === 'copy'
        ? list([c.copyFrom])
        : list(c.policies.map((a) => a.split('/').pop() ?? a));
  const modeLabel = { group: t('fix.permGroup'), copy: t('fix.permCopy'), attach: t('fix.permAttach') }[c.permMode];
  const body = html`<form method="post" action="${APP}/users/new" id="review-form" class="review" data-submit-once>${csrfField(rq)}\
<input type="hidden" name="draft" value="${draft}">
<p class="hint">${t('fix.reviewHint')}</p>
<section class="card" id="review"><h2>${t('fix.review')}</h2><dl class="facts">
<dt>${t('users.name')}</dt><dd id="review-names">${list(c.names)}</dd>
<dt>${t('fix.accessSummary')}</dt><dd id="review-access">${list(access)}</dd>
${c.consoleAccess ? html`<dt>${t('users.consolePassword')}</dt><dd>${c.custom ? t('users.customPassword') : t('users.autoPassword')}${c.resetRequired ? html` · ${t('users.requireReset')}` : ''}</dd>` : ''}
<dt>${modeLabel}</dt><dd id="review-permissions">${permission}</dd>
<dt>${t('common.tags')}</dt><dd id="review-tags">${list(c.tags.map((tag) => (tag.Value ? `${tag.Key} = ${tag.Value}` : tag.Key)))}</dd>
</dl></section>
<div class="actions"><a class="button" href="${APP}/users/new?draft=${draft}" id="previous-step">${t('fix.previous')}</a>\
<button type="submit" class="primary" name="step" value="create" id="create-users">${t('users.create')}</button></div>
</form>`;
  send(rq, 200, layout(rq, t('users.addTitle'), body, '/users'));
}

/** POST /users/new: Next (the checks, then the review, as a GET of the saved draft), or Create (of a draft). */
export async function postAddUser(rq: Rq, app: Console): Promise<void> {
  void app;
  const t = rq.t;
  const sessionHash = rq.session!.id_hash;
  const now = rq.facts.now.getTime();
  if (rq.form.get('step') !== 'create') {
    const found = await problems(rq, choicesOf(rq));
    if (found.length > 0) return addUserPage(rq, found);
    return redirect(rq, `${APP}/users/new?draft=${await rq.deps.scratch.saveDraft(sessionHash, rq.form, now)}&step=review`);
  }
  const token = rq.form.get('draft') ?? '';
  const fields = await rq.deps.scratch.draftFields(token, sessionHash, now);
  if (!fields) {
    rq.form = new URLSearchParams();
    return addUserPage(rq, [t('fix.draftGone')]);
  }
  rq.form = fields;
  const c = choicesOf(rq);
  const answer = await rq.deps.scratch.createOnce(token, sessionHash, now, async () => {
    const found = await problems(rq, c);
    if (found.length > 0) {
      await addUserPage(rq, found);
      return undefined;
    }
    const outcome = await createAll(rq, c);
    if ('error' in outcome) {
      await addUserPage(rq, outcome.undoError ? [outcome.error, outcome.undoError] : [outcome.error]);
      return undefined;
    }
    return keepCredentials(rq, { title: t('users.addTitle'), rows: outcome.rows, closeTo: `${APP}/users`, notes: outcome.notes });
  });
  if (answer?.location) {
    markOneTime(rq); // the first answer may have been dropped by the browser (a double click): this one marks it too
    return redirect(rq, answer.location);
  }
  // The draft expired, or another worker's creation of it did not finish in time.
  if (!answer || answer.repeated) return addUserPage(rq, [t('fix.draftGone')]);
}

interface Undo {
  label: string;
  run: () => Promise<unknown>;
}

/** Creates everything, or nothing: on a failure, what was created is removed again, last first. */
async function createAll(rq: Rq, c: Choices): Promise<{ rows: Issued[]; notes: string[] } | { error: string; undoError?: string }> {
  const t = rq.t;
  const undo: Undo[] = [];
  const rows: Issued[] = [];
  const policy = c.consoleAccess && !c.custom ? await readPasswordPolicy(rq) : loaded(undefined);
  try {
    // What the new users get, resolved once.
    let groups = c.permMode === 'group' ? [...c.groups] : [];
    let policies = c.permMode === 'attach' ? [...c.policies] : [];
    let boundary: string | undefined;
    if (c.permMode === 'copy') {
      const source = (await read(rq, 'GetUser', { UserName: c.copyFrom })).User;
      boundary = source.PermissionsBoundary?.PermissionsBoundaryArn;
      groups = (await listAll(rq, 'ListGroupsForUser', { UserName: c.copyFrom })).map((g) => g.GroupName);
      policies = (await listAll(rq, 'ListAttachedUserPolicies', { UserName: c.copyFrom })).map((p) => p.PolicyArn);
    }
    if (c.permMode === 'group' && c.newGroup) {
      const group = c.newGroup;
      await call(rq, 'CreateGroup', { GroupName: group });
      undo.push({ label: group, run: () => call(rq, 'DeleteGroup', { GroupName: group }) });
      for (const arn of c.policies) {
        await call(rq, 'AttachGroupPolicy', { GroupName: group, PolicyArn: arn });
        undo.push({ label: group, run: () => call(rq, 'DetachGroupPolicy', { GroupName: group, PolicyArn: arn }) });
      }
      groups.push(group);
    }
    for (const name of c.names) {
      const row: Issued = { userName: name };
      const byUser = { UserName: name };
      await call(rq, 'CreateUser', { ...byUser, ...(c.tags.length > 0 ? { Tags: c.tags } : {}), ...(boundary ? { PermissionsBoundary: boundary } : {}) });
      undo.push({ label: name, run: () => call(rq, 'DeleteUser', byUser) });
      for (const g of groups) {
        await call(rq, 'AddUserToGroup', { ...byUser, GroupName: g });
        undo.push({ label: name, run: () => call(rq, 'RemoveUserFromGroup', { ...byUser, GroupName: g }) });
      }
      for (const arn of policies) {
        await call(rq, 'AttachUserPolicy', { ...byUser, PolicyArn: arn });
        undo.push({ label: name, run: () => call(rq, 'DetachUserPolicy', { ...byUser, PolicyArn: arn }) });
      }
      if (c.consoleAccess) {
        const password = c.custom ? c.customPassword : generatePassword((policy.ok ? policy.value : undefined)?.MinimumPasswordLength ?? 6);
        await call(rq, 'CreateLoginProfile', { ...byUser, Password: password, PasswordResetRequired: c.resetRequired });
        undo.push({ label: name, run: () => call(rq, 'DeleteLoginProfile', byUser) });
        row.password = password;
        // As AWS's console does: a user who must choose a new password gets IAMUserChangePassword
        // (not asked for, so its failure is a warning shown with the credentials, not an undo).
        if (c.resetRequired && !policies.includes(CHANGE_PASSWORD_POLICY)) {
          const attached = await load(rq, () => call(rq, 'AttachUserPolicy', { ...byUser, PolicyArn: CHANGE_PASSWORD_POLICY }));
          if (attached.ok) undo.push({ label: name, run: () => call(rq, 'DetachUserPolicy', { ...byUser, PolicyArn: CHANGE_PASSWORD_POLICY }) });
          else row.warnings = [t('users.changePasswordNotAttached', { reason: attached.reason })];
        }
      }
      if (c.programmatic) {
        const key = (await read(rq, 'CreateAccessKey', byUser)).AccessKey;
        undo.push({ label: name, run: () => call(rq, 'DeleteAccessKey', { ...byUser, AccessKeyId: key.AccessKeyId }) });
        row.accessKeyId = key.AccessKeyId;
        row.secretAccessKey = key.SecretAccessKey;
      }
      rows.push(row);
    }
  } catch (error) {
    const reason = t('fix.nothingCreated', { reason: errorText(rq, error) });
    const undoErrors: string[] = [];
    for (const step of undo.reverse()) {
      try {
        await step.run();
      } catch (e) {
        undoErrors.push(`${step.label}: ${errorText(rq, e)}`);
      }
    }
    return undoErrors.length > 0 ? { error: reason, undoError: t('fix.undoFailed', { reason: undoErrors.join('; ') }) } : { error: reason };
  }
  const notes = rows.some((r) => r.password) && !policy.ok ? [t('creds.policyUnknown', { reason: policy.reason })] : [];
  return { rows, notes };
}
