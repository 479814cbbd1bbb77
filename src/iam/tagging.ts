// Tag, Untag and List…Tags for the entities addressed by name (users, roles, instance profiles):
// one implementation, with the request's tags in the authorization context as AWS sets them.
import type { AwsError } from '../errors/aws-error.ts';
import type { EntityKind } from '../domain/arn.ts';
import type { ActionContext } from '../actions/context.ts';
import type { Handler } from '../actions/registry.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { arnFor, arnOf, checkTags, maxItemsOf, notFound, pageArray, pageOutput, requestTagContext, resourceTagContext } from './common.ts';

/**
 * `Tag${word}`, `Untag${word}` and `List${word}Tags` for entities of `kind` named by the input's
 * `nameKey` (e.g. 'role', 'Role', 'RoleName').
 */
export function taggingHandlers(kind: EntityKind, word: string, nameKey: string, missing: (name: string) => AwsError = (name) => notFound(kind, name)): Record<string, Handler> {
  /** Authorizes on the entity's ARN (or the one its name would have), then requires it to exist. */
  async function authorized(repo: Repo, ctx: ActionContext, action: string, name: string, requestContext: Record<string, string | string[]> = {}): Promise<EntityRow<unknown>> {
    const entity = await repo.getEntityByName(ctx.caller.accountId, kind, name);
    const resourceContext = entity ? await resourceTagContext(repo, ctx, entity.id) : undefined;
    await ctx.authorize(action, entity ? arnOf(ctx, entity) : arnFor(ctx, kind, name), { ...resourceContext, ...requestContext });
    if (!entity) throw missing(name);
    return entity;
  }

  return {
    async [`Tag${word}`](ctx, input) {
      return ctx.services.store.write(async (repo) => {
        const entity = await authorized(repo, ctx, `iam:Tag${word}`, input[nameKey], requestTagContext(input.Tags));
        await repo.putTags(entity.id, checkTags(input.Tags, await repo.getTags(entity.id)));
        return undefined;
      });
    },

    async [`Untag${word}`](ctx, input) {
      return ctx.services.store.write(async (repo) => {
        const entity = await authorized(repo, ctx, `iam:Untag${word}`, input[nameKey], { 'aws:TagKeys': input.TagKeys });
        await repo.removeTags(entity.id, input.TagKeys);
        return undefined;
      });
    },

    async [`List${word}Tags`](ctx, input) {
      return ctx.services.store.read(async (repo) => {
        const entity = await authorized(repo, ctx, `iam:List${word}Tags`, input[nameKey]);
        const tags = (await repo.getTags(entity.id)).map((t, i) => ({ t, key: String(i).padStart(4, '0') }));
        const page = pageArray(tags, (x) => x.key, input.Marker, maxItemsOf(input));
        return pageOutput(page, 'Tags', page.items.map((x) => x.t));
      });
    },
  };
}
