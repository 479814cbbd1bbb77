// The meta aggregate: iamd's own bookkeeping, one text value per key (migration
// 0005_master_key_check): the master-key check value, the root keys the environment created.
// Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import { RepoCore } from './core.ts';

export abstract class MetaQueries extends RepoCore {
  /** A value of iamd's bookkeeping, read in this transaction. */
  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.first<{ value: string }>('meta', (a) => this.db.selectFrom('meta').select('value').where('key', '=', a(0)), [key]);
    return row?.value;
  }
  /** Sets a value of iamd's bookkeeping (in a write transaction). */
  async setMeta(key: string, value: string): Promise<void> {
    await this.change(
      'setMeta',
      (a) =>
        this.db
          .insertInto('meta')
          .values({ key: a(0), value: a(1) })
          .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
      [key, value],
    );
  }
}
