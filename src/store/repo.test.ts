// The Repo is assembled from aggregate classes at module load (repo.ts): every aggregate's methods
// must end up on Repo.prototype, once, and no aggregate may hold state of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { REPO_AGGREGATES, Repo } from './repo.ts';
import { RepoCore } from './repo/core.ts';
import type { Database } from './schema.ts';

// The public methods a Repo had before it was split by aggregate: callers outside src/store use them.
const PUBLIC_BEFORE_THE_SPLIT =
  'close getAccount getAccountByAlias listAccounts insertAccount setAccountAlias setRootPassword insertEntity getEntityByName getEntityById getEntitiesByIds listEntities countEntities updateEntity entityIdsWithBoundary boundaryUseCounts deleteEntity userDependents getTags putTags removeTags addMembership removeMembership groupIdsOfUser userIdsOfGroup insertAccessKey getAccessKey listAccessKeys setAccessKeyStatus deleteAccessKey markAccessKeyUsed getLoginProfile putLoginProfile deleteLoginProfile passwordHistory passwordChangedAt addPasswordHistory deletePasswordHistory getPasswordPolicy putPasswordPolicy deletePasswordPolicy attach detach attachedPolicyArns entityIdsAttachedTo attachedPolicyArnsInAccount countAttachments getInlinePolicy listInlinePolicies putInlinePolicy deleteInlinePolicy listPolicyVersions insertPolicyVersion setDefaultPolicyVersion deletePolicyVersion insertWorkload getWorkload getWorkloadByTokenHash listWorkloads revokeWorkload markWorkloadIssued'.split(
    ' ',
  );

const fakeDb = { getExecutor: () => ({ adapter: {} }) } as unknown as Kysely<Database>;
const ownMethods = (cls: { prototype: object }) => Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor');

test("every aggregate's methods are Repo's, each defined once", () => {
  // Repo is RepoCore, whose prototype received every aggregate's methods when repo.ts loaded.
  assert.equal(Repo, RepoCore);
  const seen = new Map<string, string>();
  for (const aggregate of REPO_AGGREGATES) {
    assert.equal(Object.getPrototypeOf(aggregate.prototype), RepoCore.prototype, `${aggregate.name} extends RepoCore`);
    for (const name of ownMethods(aggregate)) {
      assert.equal(seen.get(name), undefined, `${name} is in ${seen.get(name)} and ${aggregate.name}`);
      seen.set(name, aggregate.name);
      assert.equal(Object.getOwnPropertyDescriptor(Repo.prototype, name)?.value, Object.getOwnPropertyDescriptor(aggregate.prototype, name)?.value, name);
    }
  }
  const core = ownMethods(Repo).filter((name) => !seen.has(name));
  assert.deepEqual(core.sort(), ['change', 'close', 'first', 'insert', 'prepared', 'select'], 'the core holds the query machinery only');
});

test('the methods callers used before the split are all still there', () => {
  const repo = new Repo(fakeDb);
  for (const name of PUBLIC_BEFORE_THE_SPLIT) assert.equal(typeof (repo as unknown as Record<string, unknown>)[name], 'function', name);
});

test('aggregates hold no state: a Repo has the same fields as its core', () => {
  // An aggregate is never constructed, so a field it declared would never be set on a Repo.
  const fields = (o: object) => Object.keys(o).sort();
  const core = fields(new RepoCore(fakeDb));
  assert.deepEqual(fields(new Repo(fakeDb)), core);
  for (const aggregate of REPO_AGGREGATES) {
    assert.deepEqual(fields(Reflect.construct(aggregate, [fakeDb]) as object), core, `${aggregate.name} declares a field`);
    const statics = Object.getOwnPropertyNames(aggregate).filter((n) => !['length', 'name', 'prototype'].includes(n));
    assert.deepEqual(statics, [], `${aggregate.name} has static members, which are not copied onto Repo`);
  }
});
