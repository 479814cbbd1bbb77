// Inline policies of a user, group or role: view and edit one, add one, delete one.
import { APP, callByName, csrfField, flash, postButton, redirect, send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { read } from './outputs.ts';
import { EMPTY_POLICY, policyEditor } from './pages-policy-editor.ts';
import { back } from './pages-users.ts';

interface InlineSpec {
  key: 'UserName' | 'GroupName' | 'RoleName';
  get: 'GetUserPolicy' | 'GetGroupPolicy' | 'GetRolePolicy';
  put: string;
  del: string;
  page: string;
}

const INLINE: Record<string, InlineSpec> = {
  user: { key: 'UserName', get: 'GetUserPolicy', put: 'PutUserPolicy', del: 'DeleteUserPolicy', page: 'users' },
  group: { key: 'GroupName', get: 'GetGroupPolicy', put: 'PutGroupPolicy', del: 'DeleteGroupPolicy', page: 'groups' },
  role: { key: 'RoleName', get: 'GetRolePolicy', put: 'PutRolePolicy', del: 'DeleteRolePolicy', page: 'roles' },
};

const specOf = (kind: string): InlineSpec | undefined => (Object.hasOwn(INLINE, kind) ? INLINE[kind] : undefined);

/** GET /inline?kind=&name=[&policy=]: view/edit or add an inline policy. */
export async function inlinePage(rq: Rq): Promise<void> {
  const t = rq.t;
  const kind = rq.url.searchParams.get('kind') ?? '';
  const name = rq.url.searchParams.get('name') ?? '';
  const policyName = rq.url.searchParams.get('policy') ?? '';
  const spec = specOf(kind);
  if (!spec) return send(rq, 404, t('error.notFound'), 'text/plain; charset=utf-8');
  const owner = `${APP}/${spec.page}/${encodeURIComponent(name)}`;
  let doc = EMPTY_POLICY;
  if (policyName) {
    try {
      const stored = (await read(rq, spec.get, { [spec.key]: name, PolicyName: policyName })).PolicyDocument;
      doc = JSON.stringify(JSON.parse(decodeURIComponent(stored)), null, 4);
    } catch (error) {
      return back(rq, owner, error);
    }
  }
  const body = html`${flash(rq)}<form method="post" action="${APP}/inline">${csrfField(rq)}\
<input type="hidden" name="kind" value="${kind}"><input type="hidden" name="name" value="${name}">
<label>${t('policies.name')}<input name="policy" value="${policyName}" required maxlength="128"${policyName ? ' readonly' : ''}></label>\
${policyEditor(rq, 'document', doc)}
<div class="actions"><a class="button" href="${owner}">${t('common.cancel')}</a><button type="submit" class="primary">${t('common.save')}</button></div></form>
${policyName ? postButton(rq, `${APP}/inline/delete`, t('common.delete'), { fields: { kind, name, policy: policyName }, danger: true }) : ''}`;
  send(rq, 200, layout(rq, `${t('users.inlinePolicies')}: ${name}`, body, `/${spec.page}`));
}

export async function postInline(rq: Rq, params: Record<string, string>): Promise<void> {
  const f = rq.form;
  const name = f.get('name') ?? '';
  const spec = specOf(f.get('kind') ?? '');
  if (!spec) return send(rq, 404, rq.t('error.notFound'), 'text/plain; charset=utf-8');
  const to = `${APP}/${spec.page}/${encodeURIComponent(name)}`;
  try {
    if (params.op === 'delete') await callByName(rq, spec.del, { [spec.key]: name, PolicyName: f.get('policy') ?? '' });
    else await callByName(rq, spec.put, { [spec.key]: name, PolicyName: f.get('policy') ?? '', PolicyDocument: f.get('document') ?? '' });
  } catch (error) {
    return back(rq, to, error);
  }
  redirect(rq, `${to}?ok=saved`);
}
