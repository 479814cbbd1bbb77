// An EncryptedAssertion (XML Encryption), decrypted with one of the SAML provider's private keys
// (AddPrivateKey): the content key is transported with RSA-OAEP, the assertion encrypted with
// AES-GCM or AES-CBC, as IAM supports. RSA PKCS#1 v1.5 key transport is refused (Bleichenbacher),
// and every failure reads the same, so that nothing can be learned by trying.
// https://www.w3.org/TR/xmlenc-core1/ ; https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html
import { constants, createDecipheriv, privateDecrypt, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { attribute, childElements, children, decodeBase64, is, NS, onlyChild, optionalChild, textOf, XmlRefused } from './saml-xml.ts';

/** Block cipher algorithms: the key length each needs, and its mode. */
const DATA_ALGORITHMS: Readonly<Record<string, { cipher: string; keyLength: number; gcm: boolean }>> = {
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc': { cipher: 'aes-128-cbc', keyLength: 16, gcm: false },
  'http://www.w3.org/2001/04/xmlenc#aes192-cbc': { cipher: 'aes-192-cbc', keyLength: 24, gcm: false },
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc': { cipher: 'aes-256-cbc', keyLength: 32, gcm: false },
  'http://www.w3.org/2009/xmlenc11#aes128-gcm': { cipher: 'aes-128-gcm', keyLength: 16, gcm: true },
  'http://www.w3.org/2009/xmlenc11#aes192-gcm': { cipher: 'aes-192-gcm', keyLength: 24, gcm: true },
  'http://www.w3.org/2009/xmlenc11#aes256-gcm': { cipher: 'aes-256-gcm', keyLength: 32, gcm: true },
};

const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const RSA_OAEP = 'http://www.w3.org/2009/xmlenc11#rsa-oaep';
const DIGESTS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};
const MGFS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2009/xmlenc11#mgf1sha1': 'sha1',
  'http://www.w3.org/2009/xmlenc11#mgf1sha256': 'sha256',
  'http://www.w3.org/2009/xmlenc11#mgf1sha512': 'sha512',
};

/** Thrown for every decryption failure, whatever its cause. */
export class DecryptionFailed extends Error {}

function algorithmOf(el: Element): string {
  const alg = attribute(el, 'Algorithm');
  if (alg === undefined) throw new XmlRefused(`${el.localName} has no Algorithm`);
  return alg;
}

function cipherValue(holder: Element): Buffer {
  const data = onlyChild(holder, NS.xenc, 'CipherData');
  const value = decodeBase64(textOf(onlyChild(data, NS.xenc, 'CipherValue')));
  if (!value) throw new XmlRefused('CipherValue is not base64');
  return value;
}

/** The OAEP hash of an EncryptedKey's EncryptionMethod (node:crypto uses one hash for OAEP and MGF1). */
function oaepHash(method: Element): string {
  const alg = algorithmOf(method);
  const digestEl = optionalChild(method, NS.ds, 'DigestMethod');
  const digest = digestEl ? DIGESTS[algorithmOf(digestEl)] : 'sha1';
  if (digest === undefined) throw new XmlRefused('unsupported OAEP digest');
  if (alg === RSA_OAEP_MGF1P) {
    // MGF1 with SHA-1 by definition: only a SHA-1 digest matches it here.
    if (digest !== 'sha1') throw new XmlRefused('unsupported OAEP digest');
    return digest;
  }
  if (alg === RSA_OAEP) {
    const mgfEl = optionalChild(method, NS.xenc11, 'MGF');
    const mgf = mgfEl ? MGFS[algorithmOf(mgfEl)] : 'sha1';
    if (mgf !== digest) throw new XmlRefused('unsupported OAEP MGF');
    return digest;
  }
  throw new XmlRefused('unsupported key transport');
}

/** The EncryptedKeys that may hold the content key: in the EncryptedData's KeyInfo, or beside it. */
function encryptedKeys(encryptedAssertion: Element, encryptedData: Element): Element[] {
  const keyInfo = optionalChild(encryptedData, NS.ds, 'KeyInfo');
  const inside = keyInfo ? children(keyInfo, NS.xenc, 'EncryptedKey') : [];
  return [...inside, ...children(encryptedAssertion, NS.xenc, 'EncryptedKey')];
}

/**
 * The decrypted content of a saml:EncryptedAssertion: the XML text of the Assertion. Throws
 * XmlRefused for a structure iamd does not accept and DecryptionFailed when no key opens it.
 */
export function decryptAssertion(encryptedAssertion: Element, keys: KeyObject[]): string {
  const allowed = childElements(encryptedAssertion).every((c) => is(c, NS.xenc, 'EncryptedData') || is(c, NS.xenc, 'EncryptedKey'));
  if (!allowed) throw new XmlRefused('unexpected element in EncryptedAssertion');
  const encryptedData = onlyChild(encryptedAssertion, NS.xenc, 'EncryptedData');
  const type = attribute(encryptedData, 'Type');
  if (type !== undefined && type !== 'http://www.w3.org/2001/04/xmlenc#Element') throw new XmlRefused('EncryptedData is not an element');
  const data = DATA_ALGORITHMS[algorithmOf(onlyChild(encryptedData, NS.xenc, 'EncryptionMethod'))];
  if (!data) throw new XmlRefused('unsupported data encryption');
  const ciphertext = cipherValue(encryptedData);
  const candidates = encryptedKeys(encryptedAssertion, encryptedData);
  if (candidates.length === 0) throw new XmlRefused('no EncryptedKey');

  for (const ek of candidates) {
    const hash = oaepHash(onlyChild(ek, NS.xenc, 'EncryptionMethod'));
    const wrapped = cipherValue(ek);
    for (const key of keys) {
      let contentKey: Buffer;
      try {
        contentKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, wrapped);
      } catch {
        continue;
      }
      if (contentKey.length !== data.keyLength) continue;
      const plain = decryptData(data, contentKey, ciphertext);
      if (plain !== undefined) return plain;
    }
  }
  throw new DecryptionFailed('no key decrypts the assertion');
}

function decryptData(data: { cipher: string; gcm: boolean }, key: Buffer, ciphertext: Buffer): string | undefined {
  try {
    if (data.gcm) {
      // IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes): https://www.w3.org/TR/xmlenc-core1/#sec-AES-GCM
      if (ciphertext.length < 28) return undefined;
      const decipher = createDecipheriv(data.cipher as 'aes-256-gcm', key, ciphertext.subarray(0, 12));
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      return Buffer.concat([decipher.update(ciphertext.subarray(12, ciphertext.length - 16)), decipher.final()]).toString('utf8');
    }
    // IV (16 bytes) ‖ ciphertext; XML Encryption's padding: the last byte counts the padding bytes.
    if (ciphertext.length < 32 || ciphertext.length % 16 !== 0) return undefined;
    const decipher = createDecipheriv(data.cipher, key, ciphertext.subarray(0, 16));
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(16)), decipher.final()]);
    const pad = padded[padded.length - 1]!;
    if (pad < 1 || pad > 16) return undefined;
    return padded.subarray(0, padded.length - pad).toString('utf8');
  } catch {
    return undefined;
  }
}
