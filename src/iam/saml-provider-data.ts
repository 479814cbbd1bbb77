// How an IAM SAML identity provider is stored: an entity of kind `saml-provider` whose name is the
// provider's Name (so its ARN is `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`), path `/`, its
// id the SAMLProviderUUID, and this data. Shared by the provider operations and AssumeRoleWithSAML.
import { createPrivateKey, randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { EntityRow, Repo } from '../store/repo.ts';

export const SAML_PROVIDER_KIND = 'saml-provider';

export interface SamlPrivateKeyRecord {
  /** AWS-shaped key id: [A-Z0-9], 26 characters here. */
  keyId: string;
  /** ISO time the key was added. */
  timestamp: string;
  /** The PEM private key, sealed with the master key (AAD: provider id and key id). */
  sealed: string;
}

export interface SamlProviderData {
  /** The metadata document as the administrator gave it (GetSAMLProvider returns it unchanged). */
  metadata: string;
  /** Read from the metadata: the IdP's entityID and its RSA signing certificates (DER, base64). */
  entityId: string;
  certificates: string[];
  /** ISO: the metadata's validUntil, else 100 years after the provider was created (as AWS shows it). */
  validUntil: string;
  assertionEncryptionMode?: 'Required' | 'Allowed';
  privateKeys?: SamlPrivateKeyRecord[];
}

export type SamlProviderRow = EntityRow<SamlProviderData>;

/** AWS's quotas: 100 SAML providers per account, 2 private keys per provider. */
export const MAX_SAML_PROVIDERS = 100;
export const MAX_SAML_PRIVATE_KEYS = 2;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** An id of [A-Z0-9] (SAMLProviderUUID and private key ids: the model's privateKeyIdType, 22–64 of them). */
export function newSamlId(length = 26): string {
  // 252 = 7 × 36: bytes at or above it are dropped, so every character is equally likely.
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 252 && out.length < length) out += ID_ALPHABET[b % 36];
    }
  }
  return out;
}

/** `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME` → its parts, or undefined for any other ARN. */
export function parseSamlProviderArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const m = /^arn:([\w-]+):iam::(\d{12}):saml-provider\/([\w.-]{1,128})$/.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, name: m[3]! } : undefined;
}

/** The provider an ARN names, or undefined (names are unique whatever their case, as the store keeps them). */
export async function samlProviderOfArn(repo: Repo, arn: string): Promise<SamlProviderRow | undefined> {
  const parsed = parseSamlProviderArn(arn);
  if (!parsed) return undefined;
  return repo.getEntityByName<SamlProviderData>(parsed.account, SAML_PROVIDER_KIND, parsed.name);
}

function keyAad(providerId: string, keyId: string): string {
  return `saml-provider-key:${providerId}:${keyId}`;
}

/** True when `pem` is one unencrypted RSA private key in PEM (the keys IAM decrypts assertions with). */
export function isUsablePrivateKey(pem: string): boolean {
  if (!/^\s*-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----\s*$/.test(pem)) return false;
  try {
    return createPrivateKey({ key: pem, format: 'pem' }).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

export function sealPrivateKey(secrets: SecretBox, providerId: string, pem: string, now: Date): SamlPrivateKeyRecord {
  const keyId = newSamlId();
  return { keyId, timestamp: now.toISOString(), sealed: secrets.seal(pem, keyAad(providerId, keyId)) };
}

/** The provider's private keys in PEM, opened with the master key. */
export function openPrivateKeys(secrets: SecretBox, provider: SamlProviderRow): string[] {
  return (provider.data.privateKeys ?? []).map((k) => secrets.open(k.sealed, keyAad(provider.id, k.keyId)));
}
