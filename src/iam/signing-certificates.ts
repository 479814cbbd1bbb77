// Signing certificates: Upload/List/Update/DeleteSigningCertificate, X.509 certificates of an IAM
// user (or of the root user, when a root caller names no user), at most 2 each, Active or Inactive.
//
// Each is an entity of kind 'signing-certificate': its id is the CertificateId, its name the
// SHA-256 of the certificate's DER (so one certificate is in the account at most once: AWS's
// DuplicateCertificate, kept by the store's unique names), and its path `/OWNER/` (the user's id,
// or `root`), so that an owner's certificates are one path-prefix query. Signing certificates have
// no ARN of their own: every action is authorized on the owner's ARN, as AWS does.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSigningCertificate.html
import { randomBytes } from 'node:crypto';
import { awsError } from '../errors/messages.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { SigningCertificate, StatusType } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { checkSigningCertificate } from './certificate-format.ts';
import { maxItemsOf, pageArray, pageInfo } from './common.ts';
import { resolveUser } from './users.ts';
import { type CredentialOwner, ownerPath, ROOT_OWNER, SIGNING_CERTIFICATE_KIND } from './credential-owners.ts';

export { type CredentialOwner, ownerPath, ROOT_OWNER, SIGNING_CERTIFICATE_KIND } from './credential-owners.ts';

/** AWS's quota (GetAccountSummary's SigningCertificatesPerUserQuota). */
export const SIGNING_CERTIFICATES_PER_USER = 2;

/**
 * The owner an action applies to: UserName, else the calling user, else (a root caller naming no
 * user) the root user. Authorized on the user's ARN, or on root's.
 */
export async function credentialOwner(repo: Repo, ctx: ActionContext, action: string, input: { UserName?: string }): Promise<CredentialOwner> {
  if (input.UserName === undefined && ctx.caller.type === 'Root') {
    await ctx.authorize(action, ctx.caller.arn);
    return { key: ROOT_OWNER };
  }
  const user = await resolveUser(repo, ctx, action, input);
  return { key: user.id, userName: user.name };
}

/** Every entity of `kind` filed under an owner, oldest first (an owner has a handful at most). */
export async function ownedEntities<D>(repo: Repo, ctx: ActionContext, kind: string, owner: CredentialOwner): Promise<EntityRow<D>[]> {
  const out: EntityRow<D>[] = [];
  let marker: string | undefined;
  do {
    const page = await repo.listEntities<D>(ctx.caller.accountId, kind, { pathPrefix: ownerPath(owner), marker, maxItems: 100 });
    out.push(...page.items);
    marker = page.marker;
  } while (marker !== undefined);
  return out.sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.id < y.id ? -1 : 1));
}

/** The entity of `kind` with this id, when it is the owner's (in the caller's account). */
export async function ownedEntity<D>(repo: Repo, ctx: ActionContext, kind: string, owner: CredentialOwner, id: string): Promise<EntityRow<D> | undefined> {
  const e = await repo.getEntityById<D>(id);
  return e && e.kind === kind && e.accountId === ctx.caller.accountId && e.path === ownerPath(owner) ? e : undefined;
}

/** Status Expired is in the model's enum, but only AWS sets it: a request may set Active or Inactive. */
export function settableStatus(status: StatusType): StatusType {
  if (status === 'Expired') throw awsError('credentialStatusExpiredNotSettable');
  return status;
}

interface SigningCertificateData {
  body: string;
  status: StatusType;
}

type SigningCertificateRow = EntityRow<SigningCertificateData>;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 32-character certificate id of upper-case letters and digits 2–7 (32 divides 256: no modulo bias). */
function newCertificateId(): string {
  let id = '';
  for (const byte of randomBytes(32)) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

function output(cert: SigningCertificateRow, owner: CredentialOwner): SigningCertificate {
  return {
    // KNOWN WIRE MISMATCH: the model requires UserName; the root user's certificates have none (as its access keys).
    UserName: owner.userName as SigningCertificate['UserName'],
    CertificateId: cert.id,
    CertificateBody: cert.data.body,
    Status: cert.data.status,
    UploadDate: cert.createdAt,
  };
}

/** Whether the user (or root) a certificate is filed under still exists. */
async function ownerExists(repo: Repo, ctx: ActionContext, cert: SigningCertificateRow): Promise<boolean> {
  const key = cert.path.slice(1, -1);
  if (key === ROOT_OWNER) return true;
  const user = await repo.getEntityById(key);
  return user?.kind === 'user' && user.accountId === ctx.caller.accountId;
}

async function ownedCertificate(repo: Repo, ctx: ActionContext, owner: CredentialOwner, id: string): Promise<SigningCertificateRow> {
  const cert = await ownedEntity<SigningCertificateData>(repo, ctx, SIGNING_CERTIFICATE_KIND, owner, id);
  if (!cert) throw awsError('signingCertificateNotFound', { id });
  return cert;
}

export const signingCertificateHandlers = {
  async UploadSigningCertificate(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:UploadSigningCertificate', input);
      const facts = checkSigningCertificate(input.CertificateBody, ctx.request.now);
      const holder = await repo.getEntityByName<SigningCertificateData>(ctx.caller.accountId, SIGNING_CERTIFICATE_KIND, facts.fingerprint);
      if (holder) {
        if (await ownerExists(repo, ctx, holder)) throw awsError('signingCertificateDuplicate');
        // Left by a deleted user (DeleteUser does not refuse a user who has some): no request can reach it any more.
        await repo.deleteEntity(holder.id);
      }
      // INVARIANT: at most 2 per owner (checked inside the write transaction).
      const existing = await ownedEntities(repo, ctx, SIGNING_CERTIFICATE_KIND, owner);
      if (existing.length >= SIGNING_CERTIFICATES_PER_USER) {
        throw awsError('quotaExceeded', { quota: 'SigningCertificatesPerUser', limit: SIGNING_CERTIFICATES_PER_USER });
      }
      const cert: SigningCertificateRow = {
        id: newCertificateId(),
        accountId: ctx.caller.accountId,
        kind: SIGNING_CERTIFICATE_KIND,
        name: facts.fingerprint,
        path: ownerPath(owner),
        createdAt: ctx.request.now,
        data: { body: input.CertificateBody, status: 'Active' },
      };
      await repo.insertEntity(cert);
      return { Certificate: output(cert, owner) };
    });
  },

  async ListSigningCertificates(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:ListSigningCertificates', input);
      const all = await ownedEntities<SigningCertificateData>(repo, ctx, SIGNING_CERTIFICATE_KIND, owner);
      const page = pageArray(all, (c) => `${c.createdAt.toISOString()}|${c.id}`, input.Marker, maxItemsOf(input));
      return { Certificates: page.items.map((c) => output(c, owner)), ...pageInfo(page) };
    });
  },

  async UpdateSigningCertificate(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:UpdateSigningCertificate', input);
      const status = settableStatus(input.Status);
      const cert = await ownedCertificate(repo, ctx, owner, input.CertificateId);
      if (cert.data.status !== status) await repo.updateEntity(cert.id, { data: { ...cert.data, status } });
      return undefined;
    });
  },

  async DeleteSigningCertificate(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:DeleteSigningCertificate', input);
      const cert = await ownedCertificate(repo, ctx, owner, input.CertificateId);
      await repo.deleteEntity(cert.id);
      return undefined;
    });
  },
} satisfies IamHandlers;
