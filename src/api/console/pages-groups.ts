// Groups: list, create (name, then AWS-managed or customer policies to attach), a group's page
// (users, attached and inline policies), and the shared "attach policies" picker.
import { awsManagedPolicies } from '../../catalog/aws-managed-policies.ts';
import { APP, arnOf, call, callByName, can, csrfField, errorText, flash, fmtDate, notice, postButton, redirect, send, type Rq } from './core.ts';
import { html, type SafeHtml } from './html.ts';
import { entityTabs } from './pages-access-advisor.ts';
import { layout } from './layout.ts';
import { nameAttrs } from './name-field.ts';
import { itemLink, listPage } from './list-page.ts';
import { listAll, read, type AttachedPolicy, type GroupRow, type UserRow } from './outputs.ts';
import { back } from './pages-users.ts';
import { degraded, load, loaded, section, type Loaded } from './sections.ts';

const groupPath = (name: string) => `${APP}/groups/${encodeURIComponent(name)}`;

type GroupListRow = GroupRow & { users: Loaded<number> };

export async function groupsList(rq: Rq): Promise<void> {
  const t = rq.t;
  await listPage<GroupListRow>(rq, {
    title: t('nav.groups'),
    nav: '/groups',
    what: t('nav.groups'),
    id: 'groups',
    create: { action: 'iam:CreateGroup', resource: arnOf(rq, 'group', '*'), href: `${APP}/groups/new`, label: t('groups.create'), id: 'create-group' },
    columns: [
      { header: t('groups.name'), cell: (g) => itemLink(groupPath(g.GroupName), g.GroupName) },
      { header: t('groups.users'), cell: (g) => (g.users.ok ? String(g.users.value) : '—') },
      { header: t('users.created'), cell: (g) => fmtDate(rq, g.CreateDate) },
    ],
    empty: t('groups.none'),
    list: async () => {
      const groups = await listAll(rq, 'ListGroups');
      const items: GroupListRow[] = await Promise.all(
        groups.map(async (g) => ({
          ...g,
          users: await load(rq, async () => (await read(rq, 'GetGroup', { GroupName: g.GroupName, MaxItems: 1000 })).Users.length),
        })),
      );
      const failed = items.find((g) => !g.users.ok)?.users;
      return {
        items,
        notes: failed && !failed.ok ? degraded(t('groups.countsFailed', { reason: failed.reason })) : undefined,
      };
    },
  });
}

export interface PickablePolicy {
  arn: string;
  name: string;
  type: string;
}

/** The policies a picker offers; `note` says why the account's own are missing when they could not be listed. */
export interface Attachable {
  policies: PickablePolicy[];
  note?: string;
}

/** AWS managed policies (AdministratorAccess first, as the 2018 console listed it) and the account's own. */
export async function attachablePolicies(rq: Rq): Promise<Attachable> {
  const aws = [...awsManagedPolicies().values()]
    .filter((p) => !p.path.includes('service-role') && !p.path.includes('aws-service-role'))
    .map((p) => ({ arn: p.arn, name: p.name, type: rq.t('policies.awsManaged') }))
    .sort((a, b) => (a.name === 'AdministratorAccess' ? -1 : b.name === 'AdministratorAccess' ? 1 : a.name.toLowerCase().localeCompare(b.name.toLowerCase())));
  const local = rq.deps.invoker.has('ListPolicies') ? await load(rq, () => listAll(rq, 'ListPolicies', { Scope: 'Local' })) : loaded([]);
  const own = (local.ok ? local.value : []).map((p) => ({ arn: p.Arn, name: p.PolicyName, type: rq.t('policies.customerManaged') }));
  return { policies: [...own, ...aws], note: local.ok ? undefined : rq.t('policies.localFailed', { reason: local.reason }) };
}

export function policyPicker(rq: Rq, attachable: Attachable, checked: Set<string>): SafeHtml {
  const t = rq.t;
  const row = (p: PickablePolicy) => html`<tr data-name="${p.name.toLowerCase()}">\
<td><input type="checkbox" name="policy" value="${p.arn}" id="pick-${p.name}" aria-label="${p.name}"${checked.has(p.arn) ? ' checked' : ''}></td>\
<td><label for="pick-${p.name}">${p.name}</label></td><td>${p.type}</td></tr>`;
  return html`${attachable.note ? degraded(attachable.note) : ''}\
<label>${t('common.filter')}<input type="search" id="policy-filter" data-filter-table="policy-picker" placeholder="${t('policies.filterHint')}"></label>
<div class="scroll"><table class="list" id="policy-picker"><thead><tr><th></th><th>${t('policies.name')}</th><th>${t('policies.type')}</th></tr></thead><tbody>
${attachable.policies.map(row)}
</tbody></table></div>`;
}

export async function newGroupPage(rq: Rq, error?: string): Promise<void> {
  const t = rq.t;
  const canAttach = rq.deps.invoker.has('AttachGroupPolicy');
  const body = html`${error ? notice('error', error) : ''}
<form method="post" action="${APP}/groups/new">${csrfField(rq)}
<section class="card"><h2>${t('groups.step.name')}</h2>
<label>${t('groups.name')}<input name="name" id="group-name" value="${rq.form.get('name') ?? ''}"${nameAttrs(rq, 128)} \
required><span class="field-error" aria-live="polite"></span></label>
<p class="hint">${t('groups.nameRules')}</p></section>
<section class="card"><h2>${t('groups.step.policies')}</h2>
${
  canAttach
    ? policyPicker(rq, await attachablePolicies(rq), new Set(rq.form.getAll('policy')))
    : html`<p class="reason">${t('common.notYet', { action: 'AttachGroupPolicy' })}</p>`
}
</section>
<div class="actions"><a class="button" href="${APP}/groups">${t('common.cancel')}</a>\
<button type="submit" class="primary" id="create-group-submit">${t('groups.create')}</button></div></form>`;
  send(rq, error ? 400 : 200, layout(rq, t('groups.createTitle'), body, '/groups'));
}

export async function postNewGroup(rq: Rq): Promise<void> {
  const name = (rq.form.get('name') ?? '').trim();
  try {
    await call(rq, 'CreateGroup', { GroupName: name });
  } catch (error) {
    return newGroupPage(rq, errorText(rq, error));
  }
  for (const arn of rq.form.getAll('policy')) {
    try {
      await call(rq, 'AttachGroupPolicy', { GroupName: name, PolicyArn: arn });
    } catch (error) {
      return back(rq, groupPath(name), error);
    }
  }
  redirect(rq, `${groupPath(name)}?ok=groupCreated`);
}

export async function groupPage(rq: Rq, params: Record<string, string>): Promise<void> {
  const t = rq.t;
  const name = params.name;
  if (name === undefined) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const base = groupPath(name);
  const got = await load(rq, () => read(rq, 'GetGroup', { GroupName: name, MaxItems: 1000 }));
  if (!got.ok) return send(rq, 404, layout(rq, name, notice('error', got.reason), '/groups'));
  const { Group: group, Users: users } = got.value;
  const has = (a: string) => rq.deps.invoker.has(a);
  const byGroup = { GroupName: name };
  const [attached, inline, allUsers, canAdd, canDelete] = await Promise.all([
    has('ListAttachedGroupPolicies') ? load(rq, () => listAll(rq, 'ListAttachedGroupPolicies', byGroup)) : loaded<AttachedPolicy[]>([]),
    has('ListGroupPolicies') ? load(rq, () => listAll(rq, 'ListGroupPolicies', byGroup)) : loaded<string[]>([]),
    load(rq, () => listAll(rq, 'ListUsers')),
    can(rq, 'iam:AddUserToGroup', group.Arn),
    can(rq, 'iam:DeleteGroup', group.Arn),
  ]);
  const members = new Set(users.map((u) => u.UserName));
  const userLink = (u: UserRow) => html`<a href="${APP}/users/${encodeURIComponent(u.UserName)}">${u.UserName}</a>`;
  const candidate = (u: UserRow) =>
    html`<li><label class="check"><input type="checkbox" name="user" value="${u.UserName}" aria-label="${u.UserName}"> ${u.UserName}</label></li>`;
  const candidates = (list: UserRow[]) => html`<ul class="plain">${list.filter((u) => !members.has(u.UserName)).map(candidate)}</ul>`;
  const inlineHref = (n: string) => `${APP}/inline?kind=group&name=${encodeURIComponent(name)}&policy=${encodeURIComponent(n)}`;
  const body = html`${flash(rq)}${entityTabs(rq, 'groups', name)}
<section class="card"><h2>${t('users.summary')}</h2><dl class="facts"><dt>${t('common.arn')}</dt><dd><code>${group.Arn}</code></dd>\
<dt>${t('users.created')}</dt><dd>${fmtDate(rq, group.CreateDate)}</dd></dl>
${postButton(rq, `${base}/delete`, t('groups.delete'), { allowed: canDelete, danger: true, confirm: t('groups.deleteConfirm', { name }) })}</section>
<section class="card" id="group-users"><h2>${t('groups.users')} (${users.length})</h2>
<ul class="plain" id="group-members">${users.map(
    (u) => html`<li>${userLink(u)} ${postButton(rq, `${base}/users/remove`, t('common.remove'), { fields: { user: u.UserName } })}</li>`,
  )}</ul>
${users.length === 0 ? html`<p class="empty">${t('groups.noUsers')}</p>` : ''}
<details id="add-users"${users.length === 0 ? ' open' : ''}><summary>${t('groups.addUsers')}</summary>
<form method="post" action="${base}/users/add">${csrfField(rq)}${section(rq, t('nav.users'), allUsers, candidates)}
<button type="submit" id="add-users-submit"${canAdd.allowed ? '' : html` disabled title="${canAdd.reason ?? ''}"`}>${t('groups.addUsersSubmit')}</button>\
${canAdd.allowed ? '' : html`<span class="reason">${canAdd.reason ?? ''}</span>`}</form></details></section>
<section class="card" id="group-permissions"><h2>${t('users.permissions')}</h2>
<h3>${t('users.attachedPolicies')}</h3>
${section(
  rq,
  t('users.attachedPolicies'),
  attached,
  (list) =>
    html`<ul class="plain" id="group-attached">${list.map(
      (p) => html`<li><a href="${APP}/policies/view?arn=${encodeURIComponent(p.PolicyArn)}">${p.PolicyName}</a> \
${postButton(rq, `${base}/detach`, t('common.detach'), { fields: { arn: p.PolicyArn } })}</li>`,
    )}</ul>`,
)}
${
  has('AttachGroupPolicy')
    ? html`<a class="button" href="${APP}/attach?kind=group&name=${encodeURIComponent(name)}">${t('common.attachPolicies')}</a>`
    : html`<p class="reason">${t('common.notYet', { action: 'AttachGroupPolicy' })}</p>`
}
<h3>${t('users.inlinePolicies')}</h3>
${section(rq, t('users.inlinePolicies'), inline, (list) => html`<ul class="plain">${list.map((n) => html`<li><a href="${inlineHref(n)}">${n}</a></li>`)}</ul>`)}
${has('PutGroupPolicy') ? html`<a class="button" href="${APP}/inline?kind=group&name=${encodeURIComponent(name)}">${t('common.addInline')}</a>` : ''}
</section>`;
  send(rq, 200, layout(rq, t('groups.groupTitle', { name }), body, '/groups'));
}

export async function postGroupOp(rq: Rq, params: Record<string, string>): Promise<void> {
  const name = params.name;
  if (name === undefined) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const base = groupPath(name);
  const byGroup = { GroupName: name };
  try {
    switch (params.op) {
      case 'users/add':
        for (const u of rq.form.getAll('user')) await call(rq, 'AddUserToGroup', { ...byGroup, UserName: u });
        return redirect(rq, `${base}?ok=saved`);
      case 'users/remove':
        await call(rq, 'RemoveUserFromGroup', { ...byGroup, UserName: rq.form.get('user') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'detach':
        await call(rq, 'DetachGroupPolicy', { ...byGroup, PolicyArn: rq.form.get('arn') ?? '' });
        return redirect(rq, `${base}?ok=saved`);
      case 'delete': {
        // As AWS's console does: members removed, policies detached and deleted, then the group.
        const { Users: users } = await read(rq, 'GetGroup', { ...byGroup, MaxItems: 1000 });
        for (const u of users) await call(rq, 'RemoveUserFromGroup', { ...byGroup, UserName: u.UserName });
        if (rq.deps.invoker.has('ListAttachedGroupPolicies')) {
          for (const p of await listAll(rq, 'ListAttachedGroupPolicies', byGroup)) await call(rq, 'DetachGroupPolicy', { ...byGroup, PolicyArn: p.PolicyArn });
        }
        if (rq.deps.invoker.has('ListGroupPolicies')) {
          for (const p of await listAll(rq, 'ListGroupPolicies', byGroup)) await call(rq, 'DeleteGroupPolicy', { ...byGroup, PolicyName: p });
        }
        await call(rq, 'DeleteGroup', byGroup);
        return redirect(rq, `${APP}/groups?ok=groupDeleted`);
      }
    }
  } catch (error) {
    return back(rq, base, error);
  }
  send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
}

const KIND_ACTIONS: Record<string, { attach: string; key: string; page: string }> = {
  user: { attach: 'AttachUserPolicy', key: 'UserName', page: 'users' },
  group: { attach: 'AttachGroupPolicy', key: 'GroupName', page: 'groups' },
  role: { attach: 'AttachRolePolicy', key: 'RoleName', page: 'roles' },
};

/** GET /attach?kind=user|group|role&name=…: pick policies to attach. */
export async function attachPage(rq: Rq): Promise<void> {
  const kind = rq.url.searchParams.get('kind') ?? '';
  const name = rq.url.searchParams.get('name') ?? '';
  const spec = Object.hasOwn(KIND_ACTIONS, kind) ? KIND_ACTIONS[kind] : undefined;
  if (!spec) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const page = spec.page;
  const body = html`<form method="post" action="${APP}/attach">${csrfField(rq)}\
<input type="hidden" name="kind" value="${kind}"><input type="hidden" name="name" value="${name}">
${policyPicker(rq, await attachablePolicies(rq), new Set())}
<div class="actions"><a class="button" href="${APP}/${page}/${encodeURIComponent(name)}">${rq.t('common.cancel')}</a>\
<button type="submit" class="primary" id="attach-submit">${rq.t('common.attachPolicies')}</button></div></form>`;
  send(rq, 200, layout(rq, `${rq.t('common.attachPolicies')}: ${name}`, body, `/${page}`));
}

export async function postAttach(rq: Rq): Promise<void> {
  const kind = rq.form.get('kind') ?? '';
  const name = rq.form.get('name') ?? '';
  const spec = Object.hasOwn(KIND_ACTIONS, kind) ? KIND_ACTIONS[kind] : undefined;
  if (!spec) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const to = `${APP}/${spec.page}/${encodeURIComponent(name)}`;
  try {
    for (const arn of rq.form.getAll('policy')) await callByName(rq, spec.attach, { [spec.key]: name, PolicyArn: arn });
  } catch (error) {
    return back(rq, to, error);
  }
  redirect(rq, `${to}?ok=saved`);
}
