// Server certificates: Upload/Get/List/Update/DeleteServerCertificate and their tags. A server
// certificate is an entity of kind 'server-certificate' (ASCA… id, a path, a name unique in the
// account regardless of case) holding the PEM body and chain as uploaded, the body's expiry, and
// the private key sealed with the master key: no operation returns the key, ever.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadServerCertificate.html
import { awsError } from '../errors/messages.ts';
import { newUniqueId } from '../domain/ids.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { ServerCertificateMetadata } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { checkServerCertificate } from './certificate-format.ts';
import { arnFor, arnOf, checkTags, maxItemsOf, pageInfo, requestTagContext, resourceTagContext } from './common.ts';
import { taggingHandlers } from './tagging.ts';

export const SERVER_CERTIFICATE_KIND = 'server-certificate';
/** AWS's default quota of server certificates per account (GetAccountSummary's ServerCertificatesQuota). */
export const MAX_SERVER_CERTIFICATES = 20;

export interface ServerCertificateData {
  body: string;
  chain?: string;
  /** The PEM private key, sealed under `privateKeyAad(id)`. */
  privateKey: string;
  /** The body's Not After, ISO. */
  expiration: string;
}

type ServerCertificateRow = EntityRow<ServerCertificateData>;

const notFound = (name: string) => awsError('serverCertificateNotFound', { name });

/** The record a sealed private key belongs to: a key sealed for one certificate does not open as another's. */
function privateKeyAad(id: string): string {
  return `server-certificate/${id}/private-key`;
}

function metadata(ctx: ActionContext, cert: ServerCertificateRow): ServerCertificateMetadata {
  return {
    Path: cert.path,
    ServerCertificateName: cert.name,
    ServerCertificateId: cert.id,
    Arn: arnOf(ctx, cert),
    UploadDate: cert.createdAt,
    Expiration: new Date(cert.data.expiration),
  };
}

/**
 * The certificate a request names: authorizes `action` on its ARN (or, when there is none, on the
 * ARN the name would have, so an unauthorized caller learns nothing), then requires it to exist.
 */
async function authorizedCertificate(repo: Repo, ctx: ActionContext, action: string, name: string): Promise<ServerCertificateRow> {
  const cert = await repo.getEntityByName<ServerCertificateData>(ctx.caller.accountId, SERVER_CERTIFICATE_KIND, name);
  await ctx.authorize(
    action,
    cert ? arnOf(ctx, cert) : arnFor(ctx, SERVER_CERTIFICATE_KIND, name),
    cert ? await resourceTagContext(repo, ctx, cert.id) : undefined,
  );
  if (!cert) throw notFound(name);
  return cert;
}

const tags = taggingHandlers(SERVER_CERTIFICATE_KIND, 'ServerCertificate', 'ServerCertificateName', notFound);

export const serverCertificateHandlers = {
  async UploadServerCertificate(ctx, input) {
    const name = input.ServerCertificateName;
    const path = input.Path ?? '/';
    const tagList = checkTags(input.Tags);
    const arn = arnFor(ctx, SERVER_CERTIFICATE_KIND, name, path);
    await ctx.authorize('iam:UploadServerCertificate', arn, requestTagContext(tagList));
    if (tagList.length > 0) await ctx.authorize('iam:TagServerCertificate', arn, requestTagContext(tagList));
    const now = ctx.request.now;
    const facts = checkServerCertificate({ body: input.CertificateBody, privateKey: input.PrivateKey, chain: input.CertificateChain }, now);
    return ctx.services.store.write(async (repo) => {
      const a = ctx.caller.accountId;
      if (await repo.getEntityByName(a, SERVER_CERTIFICATE_KIND, name)) throw awsError('serverCertificateExists', { name });
      // INVARIANT: at most 20 per account (checked inside the write transaction).
      if ((await repo.countEntities(a, SERVER_CERTIFICATE_KIND)) >= MAX_SERVER_CERTIFICATES) {
        throw awsError('quotaExceeded', { quota: 'ServerCertificatesPerAccount', limit: MAX_SERVER_CERTIFICATES });
      }
      const id = newUniqueId('ASCA');
      const data: ServerCertificateData = {
        body: input.CertificateBody,
        privateKey: ctx.services.secrets.seal(input.PrivateKey, privateKeyAad(id)),
        expiration: facts.notAfter.toISOString(),
      };
      if (input.CertificateChain !== undefined) data.chain = input.CertificateChain;
      const cert: ServerCertificateRow = { id, accountId: a, kind: SERVER_CERTIFICATE_KIND, name, path, createdAt: now, data };
      await repo.insertEntity(cert);
      await repo.putTags(id, tagList);
      return { ServerCertificateMetadata: metadata(ctx, cert), Tags: tagList.length > 0 ? tagList : undefined };
    });
  },

  async GetServerCertificate(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const cert = await authorizedCertificate(repo, ctx, 'iam:GetServerCertificate', input.ServerCertificateName);
      const tagList = await repo.getTags(cert.id);
      return {
        ServerCertificate: {
          ServerCertificateMetadata: metadata(ctx, cert),
          CertificateBody: cert.data.body,
          CertificateChain: cert.data.chain,
          Tags: tagList.length > 0 ? tagList : undefined,
        },
      };
    });
  },

  async ListServerCertificates(ctx, input) {
    await ctx.authorize('iam:ListServerCertificates', '*');
    return ctx.services.store.read(async (repo) => {
      const page = await repo.listEntities<ServerCertificateData>(ctx.caller.accountId, SERVER_CERTIFICATE_KIND, {
        pathPrefix: input.PathPrefix,
        marker: input.Marker,
        maxItems: maxItemsOf(input),
      });
      return { ServerCertificateMetadataList: page.items.map((c) => metadata(ctx, c)), ...pageInfo(page) };
    });
  },

  async UpdateServerCertificate(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const cert = await authorizedCertificate(repo, ctx, 'iam:UpdateServerCertificate', input.ServerCertificateName);
      const name = input.NewServerCertificateName ?? cert.name;
      const path = input.NewPath ?? cert.path;
      // AWS: the caller must be allowed to update the certificate under its old name and its new one.
      const renamed = name !== cert.name || path !== cert.path;
      if (renamed) await ctx.authorize('iam:UpdateServerCertificate', arnFor(ctx, SERVER_CERTIFICATE_KIND, name, path));
      if (name.toLowerCase() !== cert.name.toLowerCase() && (await repo.getEntityByName(ctx.caller.accountId, SERVER_CERTIFICATE_KIND, name))) {
        throw awsError('serverCertificateExists', { name });
      }
      if (renamed) await repo.updateEntity(cert.id, { name, path });
      return undefined;
    });
  },

  async DeleteServerCertificate(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      // Nothing in iamd uses a server certificate (no load balancers): there is no DeleteConflict to answer.
      const cert = await authorizedCertificate(repo, ctx, 'iam:DeleteServerCertificate', input.ServerCertificateName);
      await repo.deleteEntity(cert.id);
      return undefined;
    });
  },

  TagServerCertificate: tags.tag,
  UntagServerCertificate: tags.untag,
  ListServerCertificateTags: tags.list,
} satisfies IamHandlers;
