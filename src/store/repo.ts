// Every query iamd makes, written once with Kysely for both SQLite and PostgreSQL. A Repo is
// bound to one transaction; the action layer gets it from Store.read / Store.write.
//
// The queries live by aggregate in ./repo/: identities (accounts, entities, tags, memberships),
// credentials (access keys, login profiles, passwords), policies (attachments, inline policies,
// versions, boundaries), workloads, console (sign-in sessions and throttling), meta,
// service-catalogues (the catalogues of protected services), resource-policies (protected
// resources' resource-based policies), gateways (protected services' proxies) and
// outbound-federation (accounts' OIDC issuers and their signing keys); the
// shared machinery (compiled shapes, direct SQLite statements) is ./repo/core.ts. Each aggregate
// is a class of methods over RepoCore; their methods are copied onto RepoCore.prototype once,
// here, when this module loads, and `interface Repo extends …` tells TypeScript. A Repo is then
// one object with every method on its prototype, as before the split: nothing is allocated per
// transaction for the aggregates, and a call is an ordinary method call.
//
// Repo is RepoCore itself, not a `class Repo extends RepoCore {}`: a Repo is constructed for every
// transaction, and a derived class's constructor cost ~20 ns more per transaction (measured on
// SQLite's cached reads).
import { ConsoleQueries } from './repo/console.ts';
import { RepoCore } from './repo/core.ts';
import { CredentialQueries } from './repo/credentials.ts';
import { IdentityQueries } from './repo/identities.ts';
import { MetaQueries } from './repo/meta.ts';
import { PolicyQueries } from './repo/policies.ts';
import { WorkloadQueries } from './repo/workloads.ts';
import { ServiceCatalogueQueries } from './repo/service-catalogues.ts';
import { ResourcePolicyQueries } from './repo/resource-policies.ts';
import { GatewayQueries } from './repo/gateways.ts';
import { OutboundFederationQueries } from './repo/outbound-federation.ts';
import { ActivityQueries } from './repo/activity.ts';
import { AccountLevelQueries } from './repo/account-level.ts';
import { AuditQueries } from './repo/audit.ts';
import { PasskeyQueries } from './repo/passkeys.ts';

export { decodeMarker, encodeMarker, type DirectSql, type EntityRow, type Page, type RepoChanges, type Tag } from './repo/core.ts';

/** The aggregates whose methods make up a Repo (src/store/repo.test.ts checks each is on Repo.prototype). */
export const REPO_AGGREGATES = [
  IdentityQueries,
  CredentialQueries,
  PolicyQueries,
  WorkloadQueries,
  ConsoleQueries,
  MetaQueries,
  ServiceCatalogueQueries,
  ResourcePolicyQueries,
  GatewayQueries,
  OutboundFederationQueries,
  AccountLevelQueries,
  ActivityQueries,
  PasskeyQueries,
  AuditQueries,
] as const;

/** One transaction's queries: the core and every aggregate's methods. */
export interface Repo
  extends IdentityQueries,
    CredentialQueries,
    PolicyQueries,
    WorkloadQueries,
    ConsoleQueries,
    MetaQueries,
    ServiceCatalogueQueries,
    ResourcePolicyQueries,
    GatewayQueries,
    OutboundFederationQueries,
    AccountLevelQueries,
    ActivityQueries,
    PasskeyQueries,
    AuditQueries {}

export const Repo = RepoCore as unknown as {
  new (...args: ConstructorParameters<typeof RepoCore>): Repo;
  readonly prototype: Repo;
};

// INVARIANT: one name, one method: an aggregate may not redefine the core's members or another
// aggregate's (TypeScript also refuses conflicting declarations in the merged interface).
for (const aggregate of REPO_AGGREGATES) {
  for (const name of Object.getOwnPropertyNames(aggregate.prototype)) {
    if (name === 'constructor') continue;
    if (name in RepoCore.prototype) throw new Error(`Repo.${name} is defined twice (${aggregate.name})`);
    Object.defineProperty(RepoCore.prototype, name, Object.getOwnPropertyDescriptor(aggregate.prototype, name)!);
  }
}
