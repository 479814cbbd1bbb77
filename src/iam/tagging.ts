// Tag, Untag and List…Tags for the entities addressed by name (users, roles, instance profiles):
// one implementation, with the request's tags in the authorization context as AWS sets them.
import type { AwsError } from '../errors/aws-error.ts';
import type { EntityKind } from '../domain/arn.ts';
import type { ActionContext } from '../actions/context.ts';
import type { EntityRow, Repo, Tag } from '../store/repo.ts';
import { arnFor, arnOf, checkTags, maxItemsOf, notFound, pageArray, pageInfo, requestTagContext, resourceTagContext } from './common.ts';

/** An input that names its entity under `K` (e.g. `{ RoleName: string }`). */
type Named<K extends string> = { [P in K]: string };

/**
 * `Tag${word}`, `Untag${word}` and `List${word}Tags` for entities of `kind` named by the input's
 * `nameKey` (e.g. 'role', 'Role', 'RoleName'), as `tag`, `untag` and `list`: register them under
 * those operation names, which checks them against each operation's types.
 */
export function taggingHandlers<K extends string>(
  kind: EntityKind,
  word: string,
  nameKey: K,
  missing: (name: string) => AwsError = (name) => notFound(kind, name),
) {
  /** Authorizes on the entity's ARN (or the one its name would have), then requires it to exist. */
  async function authorized(
    repo: Repo,
    ctx: ActionContext,
    action: string,
    name: string,
    requestContext: Record<string, string | string[]> = {},
  ): Promise<EntityRow<unknown>> {
    const entity = await repo.getEntityByName(ctx.caller.accountId, kind, name);
    const resourceContext = entity ? await resourceTagContext(repo, ctx, entity.id) : undefined;
    await ctx.authorize(action, entity ? arnOf(ctx, entity) : arnFor(ctx, kind, name), { ...resourceContext, ...requestContext });
    if (!entity) throw missing(name);
    return entity;
  }

  return {
    async tag(ctx: ActionContext, input: Named<K> & { Tags: Tag[] }): Promise<undefined> {
      return ctx.services.store.write(async (repo) => {
        const entity = await authorized(repo, ctx, `iam:Tag${word}`, input[nameKey], requestTagContext(input.Tags));
        await repo.putTags(entity.id, checkTags(input.Tags, await repo.getTags(entity.id)));
        return undefined;
      });
    },

    async untag(ctx: ActionContext, input: Named<K> & { TagKeys: string[] }): Promise<undefined> {
      return ctx.services.store.write(async (repo) => {
        const entity = await authorized(repo, ctx, `iam:Untag${word}`, input[nameKey], { 'aws:TagKeys': input.TagKeys });
        await repo.removeTags(entity.id, input.TagKeys);
        return undefined;
      });
    },

    async list(ctx: ActionContext, input: Named<K> & { Marker?: string; MaxItems?: number }): Promise<{ Tags: Tag[]; IsTruncated: boolean; Marker?: string }> {
      return ctx.services.store.read(async (repo) => {
        const entity = await authorized(repo, ctx, `iam:List${word}Tags`, input[nameKey]);
        const tags = (await repo.getTags(entity.id)).map((t, i) => ({ t, key: String(i).padStart(4, '0') }));
        const page = pageArray(tags, (x) => x.key, input.Marker, maxItemsOf(input));
        return { Tags: page.items.map((x) => x.t), ...pageInfo(page) };
      });
    },
  };
}
