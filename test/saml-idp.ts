// Test support: a SAML identity provider made in the test. It has an RSA key and a self-signed
// certificate, writes its metadata, and issues SAML responses signed with xml-crypto (the
// Response, the Assertion or both), optionally with the Assertion encrypted (AES-GCM, RSA-OAEP)
// for a provider's private key. The XSW tests take its output apart with @xmldom/xmldom.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import * as x509 from '@peculiar/x509';
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, webcrypto } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const AWS_ATTR = 'https://aws.amazon.com/SAML/Attributes/';
export const AWS_RECIPIENT = 'https://signin.aws.amazon.com/saml';
export const AWS_AUDIENCE = 'urn:amazon:webservices';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

const ALG = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

export function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** A new RSA key pair: the private key (PKCS#8 PEM) and a self-signed certificate for it (DER base64 and PEM). */
export async function makeKeyAndCertificate(name: string): Promise<{ keyPem: string; certDer: string; certPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    keys,
    signingAlgorithm: ALG,
  });
  const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keyPem, certDer: Buffer.from(cert.rawData).toString('base64'), certPem: cert.toString('pem') };
}

/** A metadata document for an IdP: padded past the 1,000 characters CreateSAMLProvider needs. */
export function metadataDocument(entityId: string, certsDer: string[], extra: { validUntil?: string } = {}): string {
  const keys = certsDer
    .map(
      (c) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  const until = extra.validUntil ? ` validUntil="${extra.validUntil}"` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${esc(entityId)}"${until}>` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}` +
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>' +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${esc(entityId)}/sso"/>` +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  );
}

export interface ResponseOptions {
  now?: Date;
  issuer?: string;
  nameId?: string;
  nameIdFormat?: string;
  recipient?: string;
  audiences?: string[];
  /** Seconds from now: SubjectConfirmationData/@NotOnOrAfter (default 300) and Conditions/@NotOnOrAfter (default 300). */
  confirmationSeconds?: number;
  conditionsSeconds?: number;
  /** IssueInstant (default: now). */
  issueInstant?: Date;
  sessionNotOnOrAfter?: Date;
  /** Attribute name (full, or relative to https://aws.amazon.com/SAML/Attributes/) → values. */
  attributes?: Record<string, string[]>;
  sign?: 'assertion' | 'response' | 'both' | 'none';
  signatureAlgorithm?: string;
  /** Sign with this key instead of the IdP's (PKCS#8 PEM). */
  signingKey?: string;
  /** Encrypt the assertion for this RSA private key's public half (PEM). */
  encryptFor?: string;
  status?: string;
  /** Extra XML inside the Assertion, after the Issuer (unsigned if the signature is computed before: see sign). */
  responseId?: string;
  assertionId?: string;
}

export interface TestIdp {
  entityId: string;
  keyPem: string;
  certDer: string;
  metadata(): string;
  /** A SAML Response (XML text). */
  response(opts?: ResponseOptions): string;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function sign(xml: string, key: string, algorithm: string, location: string): string {
  const sig = new SignedXml({ privateKey: key, canonicalizationAlgorithm: EXC_C14N, signatureAlgorithm: algorithm });
  sig.addReference({ xpath: '/*', transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: location, action: 'after' } });
  return sig.getSignedXml();
}

/** An EncryptedAssertion holding `assertionXml`, AES-256-GCM with an RSA-OAEP (SHA-1) transported key. */
export function encryptAssertion(assertionXml: string, privateKeyPem: string): string {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(assertionXml, 'utf8'), cipher.final()]);
  const data = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  const wrapped = publicEncrypt({ key: createPublicKey(privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64');
  return (
    '<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">' +
    '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">' +
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>' +
    '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>' +
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>' +
    `<xenc:CipherData><xenc:CipherValue>${wrapped}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${data}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>`
  );
}

export async function makeTestIdp(entityId: string): Promise<TestIdp> {
  const { keyPem, certDer } = await makeKeyAndCertificate(entityId);
  return {
    entityId,
    keyPem,
    certDer,
    metadata: () => metadataDocument(entityId, [certDer]),
    response(opts = {}) {
      const now = opts.now ?? new Date();
      const at = (seconds: number) => iso(new Date(now.getTime() + seconds * 1000));
      const issuer = opts.issuer ?? entityId;
      const recipient = opts.recipient ?? AWS_RECIPIENT;
      const assertionId = opts.assertionId ?? `_a${randomBytes(16).toString('hex')}`;
      const responseId = opts.responseId ?? `_r${randomBytes(16).toString('hex')}`;
      const signWith = opts.signingKey ?? keyPem;
      const algorithm = opts.signatureAlgorithm ?? RSA_SHA256;
      const mode = opts.sign ?? 'assertion';
      const attrs = Object.entries(opts.attributes ?? {})
        .map(([name, values]) => {
          const full = name.includes(':') && !name.startsWith('PrincipalTag:') ? name : AWS_ATTR + name;
          return `<saml:Attribute Name="${esc(full)}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`;
        })
        .join('');
      const session = opts.sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${iso(opts.sessionNotOnOrAfter)}"` : '';
      let assertion =
        `<saml:Assertion xmlns:saml="${SAML}" ID="${assertionId}" Version="2.0" IssueInstant="${iso(opts.issueInstant ?? now)}">` +
        `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
        `<saml:Subject><saml:NameID Format="${esc(opts.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent')}">${esc(opts.nameId ?? 'alice@example.com')}</saml:NameID>` +
        `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${at(opts.confirmationSeconds ?? 300)}" Recipient="${esc(recipient)}"/></saml:SubjectConfirmation></saml:Subject>` +
        `<saml:Conditions NotBefore="${at(-60)}" NotOnOrAfter="${at(opts.conditionsSeconds ?? 300)}"><saml:AudienceRestriction>${(opts.audiences ?? [AWS_AUDIENCE]).map((a) => `<saml:Audience>${esc(a)}</saml:Audience>`).join('')}</saml:AudienceRestriction></saml:Conditions>` +
        `<saml:AuthnStatement AuthnInstant="${at(-10)}"${session}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
        (attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : '') +
        '</saml:Assertion>';
      if (mode === 'assertion' || mode === 'both') assertion = sign(assertion, signWith, algorithm, "/*/*[local-name(.)='Issuer']");
      if (opts.encryptFor) assertion = encryptAssertion(assertion, opts.encryptFor);
      let response =
        `<samlp:Response xmlns:samlp="${SAMLP}" ID="${responseId}" Version="2.0" IssueInstant="${iso(now)}" Destination="${esc(recipient)}">` +
        `<saml:Issuer xmlns:saml="${SAML}">${esc(issuer)}</saml:Issuer>` +
        `<samlp:Status><samlp:StatusCode Value="${opts.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
        assertion +
        '</samlp:Response>';
      if (mode === 'response' || mode === 'both') response = sign(response, signWith, algorithm, "/*/*[local-name(.)='Issuer']");
      return response;
    },
  };
}

export const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
