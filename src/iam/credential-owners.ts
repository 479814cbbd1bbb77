// Credentials an IAM user (or the root user) owns that are stored as entities filed under their
// owner: signing certificates and SSH public keys. Kept apart from their handlers so that DeleteUser
// can ask whether a user still has some without importing them (they import users.ts).

export const SIGNING_CERTIFICATE_KIND = 'signing-certificate';
export const SSH_PUBLIC_KEY_KIND = 'ssh-public-key';

/** Whose credentials an action is about: an IAM user, or the account's root user. */
export interface CredentialOwner {
  /** The user's id, or ROOT_OWNER. */
  key: string;
  userName?: string;
}

export const ROOT_OWNER = 'root';

/** The path that files an entity under its owner (user ids are [A-Z2-7], so no owner's path is a prefix of another's). */
export function ownerPath(owner: CredentialOwner): string {
  return `/${owner.key}/`;
}
