// What IAM accepts as a server certificate, a signing certificate or an SSH public key: parsing
// and validation only (no store, no clock of its own: the request's time is passed in). Every
// refusal is an AwsError in AWS's words where they are known (src/errors/messages.ts).
//
// PEM is read strictly: only whitespace may surround the blocks (AWS refuses a chain with text
// around its certificates), each block's content must be plain base64 (an encrypted legacy PEM
// with Proc-Type headers is refused), and the DER inside is parsed by OpenSSL through node:crypto.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import sshpk from 'sshpk';
import { awsError } from '../errors/messages.ts';

interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The PEM blocks of a text, or undefined when anything but whitespace is outside them or a block is not plain base64. */
function pemBlocks(text: string): PemBlock[] | undefined {
  const blocks: PemBlock[] = [];
  let outside = '';
  let last = 0;
  for (const m of text.matchAll(PEM_BLOCK)) {
    outside += text.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1] !== m[3]) return undefined;
    const b64 = m[2]!.replace(/\s+/g, '');
    if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) return undefined;
    blocks.push({ label: m[1]!, der: Buffer.from(b64, 'base64') });
  }
  outside += text.slice(last);
  if (outside.trim() !== '') return undefined;
  return blocks;
}

/** Exactly one CERTIFICATE block, parsed; undefined when the text is anything else. */
function oneCertificate(text: string): X509Certificate | undefined {
  const blocks = pemBlocks(text);
  if (blocks?.length !== 1 || blocks[0]!.label !== 'CERTIFICATE') return undefined;
  return x509(blocks[0]!.der);
}

function x509(der: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

function validityOf(cert: X509Certificate): Validity {
  // OpenSSL prints both as `Mar  4 12:00:00 2025 GMT`, which Date reads as UTC.
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** A certificate that is not valid at `now` is refused, as AWS refuses it, before anything else is checked. */
function checkValidAt(validity: Validity, now: Date): void {
  if (!(now.getTime() <= validity.notAfter.getTime())) throw awsError('certificateNoLongerValid');
  if (!(now.getTime() >= validity.notBefore.getTime())) throw awsError('certificateNotYetValid');
}

/** RSA and ECDSA curve names IAM takes for a server certificate (what Elastic Load Balancing and CloudFront can serve). */
const SERVER_KEY_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
export const RSA_MIN_BITS = 1024;
export const RSA_MAX_BITS = 4096;

/** '' when a key (a certificate's or a private one) is of a type and size IAM takes, else what it is. */
function unsupportedKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS ? '' : `RSA ${bits} bits`;
  }
  if (key.asymmetricKeyType === 'ec') return SERVER_KEY_CURVES.has(details.namedCurve ?? '') ? '' : `EC ${details.namedCurve ?? 'unknown curve'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

const PRIVATE_KEY_TYPES: Record<string, 'pkcs8' | 'pkcs1' | 'sec1'> = { 'PRIVATE KEY': 'pkcs8', 'RSA PRIVATE KEY': 'pkcs1', 'EC PRIVATE KEY': 'sec1' };

/** An unencrypted PEM private key (PKCS#8, PKCS#1 or SEC 1; openssl's EC PARAMETERS block before it is ignored). */
function privateKeyOf(text: string): KeyObject {
  const blocks = pemBlocks(text)?.filter((b) => b.label !== 'EC PARAMETERS');
  const block = blocks?.length === 1 ? blocks[0]! : undefined;
  const type = block && PRIVATE_KEY_TYPES[block.label];
  if (!block || !type) throw awsError('privateKeyMalformed');
  try {
    return createPrivateKey({ key: block.der, format: 'der', type });
  } catch {
    throw awsError('privateKeyMalformed');
  }
}

/**
 * Each certificate of the chain must have issued the one before it, the first the body. The
 * index AWS reports is the failing certificate's place in the chain, -1 standing for the body
 * (its issuer is not the chain's first certificate).
 */
function checkChain(body: X509Certificate, chain: X509Certificate[]): void {
  let child = body;
  for (let i = 0; i < chain.length; i++) {
    const parent = chain[i]!;
    if (!issued(parent, child)) throw awsError('certificateChainInvalid', { index: i - 1 });
    child = parent;
  }
}

function issued(parent: X509Certificate, child: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/**
 * Checks an UploadServerCertificate request's body, private key and chain: the body one PEM
 * certificate, valid now, with an RSA (1024–4096 bits) or ECDSA (P-256, P-384, P-521) key, the
 * private key unencrypted PEM and the certificate's, the chain PEM certificates in issuing order.
 */
export function checkServerCertificate(input: { body: string; privateKey: string; chain?: string }, now: Date): Validity {
  const cert = oneCertificate(input.body);
  if (!cert) throw awsError('certificateMalformed');
  const validity = validityOf(cert);
  checkValidAt(validity, now);
  let chain: X509Certificate[] = [];
  if (input.chain !== undefined) {
    const blocks = pemBlocks(input.chain);
    const parsed = blocks?.map((b) => (b.label === 'CERTIFICATE' ? x509(b.der) : undefined));
    if (!parsed || parsed.length === 0 || parsed.some((c) => c === undefined)) throw awsError('certificateChainMalformed');
    chain = parsed as X509Certificate[];
  }
  const key = privateKeyOf(input.privateKey);
  const unsupported = unsupportedKey(key);
  if (unsupported !== '') throw awsError('privateKeyUnsupported', { key: unsupported });
  if (!cert.checkPrivateKey(key)) throw awsError('keyPairMismatch');
  checkChain(cert, chain);
  return validity;
}

export interface SigningCertificateFacts extends Validity {
  /** SHA-256 of the certificate's DER, hex: the same certificate however its PEM is laid out. */
  fingerprint: string;
}

/** Checks an UploadSigningCertificate body: one PEM certificate, valid now, with an RSA or ECDSA key. */
export function checkSigningCertificate(body: string, now: Date): SigningCertificateFacts {
  const cert = oneCertificate(body);
  if (!cert) throw awsError('certificateMalformed');
  const validity = validityOf(cert);
  checkValidAt(validity, now);
  const unsupported = unsupportedKey(cert.publicKey);
  if (unsupported !== '') throw awsError('signingCertificateKeyUnsupported', { key: unsupported });
  return { ...validity, fingerprint: createHash('sha256').update(cert.raw).digest('hex') };
}

/** AWS's minimum for SSH public keys (CodeCommit's): RSA of at least 2048 bits. */
export const SSH_MIN_BITS = 2048;

export interface SshPublicKeyFacts {
  /** `ssh-rsa BASE64`, without a comment: GetSSHPublicKey's SSH encoding. */
  ssh: string;
  /** SubjectPublicKeyInfo PEM: GetSSHPublicKey's PEM encoding. */
  pem: string;
  /** MD5 of the key's SSH wire form, colon-separated hex, as `ssh-keygen -l -E md5` and IAM show it. */
  fingerprint: string;
}

const PUBLIC_KEY_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const SSH_LINE = /^(\S+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+[^\r\n]*)?$/;

/**
 * Checks an UploadSSHPublicKey body: an `ssh-rsa` line (a comment after the key is allowed) or a
 * PEM public key (SubjectPublicKeyInfo or PKCS#1), RSA of at least 2048 bits. A body in neither
 * encoding (another key type, a private key, anything else) is UnrecognizedPublicKeyEncoding;
 * a body in one of them that does not hold a usable RSA key is InvalidPublicKey.
 */
export function checkSshPublicKey(body: string): SshPublicKeyFacts {
  const text = body.trim();
  let key: sshpk.Key;
  if (text.startsWith('-----BEGIN ')) {
    const blocks = pemBlocks(text);
    if (blocks?.length !== 1 || !PUBLIC_KEY_LABELS.has(blocks[0]!.label)) throw awsError('sshPublicKeyEncodingUnrecognized');
    key = parseSsh(text, 'pem');
  } else {
    const line = SSH_LINE.exec(text);
    if (line?.[1] !== 'ssh-rsa') throw awsError('sshPublicKeyEncodingUnrecognized');
    key = parseSsh(`ssh-rsa ${line[2]}`, 'ssh');
  }
  if (key.type !== 'rsa') throw awsError('sshPublicKeyInvalid');
  if (key.size < SSH_MIN_BITS) throw awsError('sshPublicKeyTooShort', { bits: SSH_MIN_BITS });
  const wire = key.toBuffer('rfc4253');
  return {
    ssh: `ssh-rsa ${wire.toString('base64')}`,
    pem: key.toString('pem'),
    fingerprint: createHash('md5')
      .update(wire)
      .digest('hex')
      .replace(/(..)(?!$)/g, '$1:'),
  };
}

function parseSsh(text: string, format: 'ssh' | 'pem'): sshpk.Key {
  try {
    return sshpk.parseKey(text, format);
  } catch {
    throw awsError('sshPublicKeyInvalid');
  }
}
