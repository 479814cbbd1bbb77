// SSH public keys: Upload/Get/List/Update/DeleteSSHPublicKey, the RSA keys (2048 bits or more) an
// IAM user authenticates to CodeCommit with; at most 5 per user, Active or Inactive.
//
// Each is an entity of kind 'ssh-public-key': its id is the SSHPublicKeyId (APKA…), its path
// `/OWNER/` (the user's id), and its name the owner and the key's MD5 fingerprint, so that one key
// is at most once per user (AWS's DuplicateSSHPublicKey, kept by the store's unique names). The key
// is kept in its `ssh-rsa` form; GetSSHPublicKey gives it in either encoding. Every action is
// authorized on the user's ARN, as AWS does.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html
import { awsError } from '../errors/messages.ts';
import { newUniqueId } from '../domain/ids.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { SSHPublicKey, SSHPublicKeyMetadata, StatusType } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { checkSshPublicKey } from './certificate-format.ts';
import { maxItemsOf, pageArray, pageInfo } from './common.ts';
import { type CredentialOwner, credentialOwner, ownedEntities, ownedEntity, ownerPath, settableStatus } from './signing-certificates.ts';

import { SSH_PUBLIC_KEY_KIND } from './credential-owners.ts';

export { SSH_PUBLIC_KEY_KIND } from './credential-owners.ts';
/** AWS's quota of SSH public keys per IAM user. */
export const SSH_PUBLIC_KEYS_PER_USER = 5;

interface SshPublicKeyData {
  /** `ssh-rsa BASE64`. */
  body: string;
  fingerprint: string;
  status: StatusType;
}

type SshPublicKeyRow = EntityRow<SshPublicKeyData>;

function keyName(owner: CredentialOwner, fingerprint: string): string {
  return `${owner.key}:${fingerprint.replaceAll(':', '')}`;
}

function userNameOf(owner: CredentialOwner): string {
  // SSH public keys are only ever uploaded for a named user; a root caller's list is empty.
  return owner.userName ?? '';
}

function output(key: SshPublicKeyRow, owner: CredentialOwner, body: string): SSHPublicKey {
  return {
    UserName: userNameOf(owner),
    SSHPublicKeyId: key.id,
    Fingerprint: key.data.fingerprint,
    SSHPublicKeyBody: body,
    Status: key.data.status,
    UploadDate: key.createdAt,
  };
}

function metadata(key: SshPublicKeyRow, owner: CredentialOwner): SSHPublicKeyMetadata {
  return { UserName: userNameOf(owner), SSHPublicKeyId: key.id, Status: key.data.status, UploadDate: key.createdAt };
}

async function ownedKey(repo: Repo, ctx: ActionContext, owner: CredentialOwner, id: string): Promise<SshPublicKeyRow> {
  const key = await ownedEntity<SshPublicKeyData>(repo, ctx, SSH_PUBLIC_KEY_KIND, owner, id);
  if (!key) throw awsError('sshPublicKeyNotFound', { id });
  return key;
}

export const sshPublicKeyHandlers = {
  async UploadSSHPublicKey(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:UploadSSHPublicKey', input);
      const facts = checkSshPublicKey(input.SSHPublicKeyBody);
      const name = keyName(owner, facts.fingerprint);
      if (await repo.getEntityByName(ctx.caller.accountId, SSH_PUBLIC_KEY_KIND, name)) throw awsError('sshPublicKeyDuplicate');
      // INVARIANT: at most 5 per user (checked inside the write transaction).
      const existing = await ownedEntities(repo, ctx, SSH_PUBLIC_KEY_KIND, owner);
      if (existing.length >= SSH_PUBLIC_KEYS_PER_USER) throw awsError('quotaExceeded', { quota: 'SSHPublicKeysPerUser', limit: SSH_PUBLIC_KEYS_PER_USER });
      const key: SshPublicKeyRow = {
        id: newUniqueId('APKA'),
        accountId: ctx.caller.accountId,
        kind: SSH_PUBLIC_KEY_KIND,
        name,
        path: ownerPath(owner),
        createdAt: ctx.request.now,
        data: { body: facts.ssh, fingerprint: facts.fingerprint, status: 'Active' },
      };
      await repo.insertEntity(key);
      return { SSHPublicKey: output(key, owner, facts.ssh) };
    });
  },

  async GetSSHPublicKey(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:GetSSHPublicKey', input);
      const key = await ownedKey(repo, ctx, owner, input.SSHPublicKeyId);
      // The stored body is a key this module checked: reading it again cannot fail.
      const body = input.Encoding === 'PEM' ? checkSshPublicKey(key.data.body).pem : key.data.body;
      return { SSHPublicKey: output(key, owner, body) };
    });
  },

  async ListSSHPublicKeys(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:ListSSHPublicKeys', input);
      const all = await ownedEntities<SshPublicKeyData>(repo, ctx, SSH_PUBLIC_KEY_KIND, owner);
      const page = pageArray(all, (k) => `${k.createdAt.toISOString()}|${k.id}`, input.Marker, maxItemsOf(input));
      return { SSHPublicKeys: page.items.map((k) => metadata(k, owner)), ...pageInfo(page) };
    });
  },

  async UpdateSSHPublicKey(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:UpdateSSHPublicKey', input);
      const status = settableStatus(input.Status);
      const key = await ownedKey(repo, ctx, owner, input.SSHPublicKeyId);
      if (key.data.status !== status) await repo.updateEntity(key.id, { data: { ...key.data, status } });
      return undefined;
    });
  },

  async DeleteSSHPublicKey(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await credentialOwner(repo, ctx, 'iam:DeleteSSHPublicKey', input);
      const key = await ownedKey(repo, ctx, owner, input.SSHPublicKeyId);
      await repo.deleteEntity(key.id);
      return undefined;
    });
  },
} satisfies IamHandlers;
