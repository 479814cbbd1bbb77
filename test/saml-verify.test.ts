// The pure SAML modules (src/federation/saml-*.ts) without a server: shapes of signature and
// encryption that real IdPs produce and test/saml.test.ts does not (a prefix declared on the
// Response, InclusiveNamespaces, AES-CBC, an EncryptedKey beside the data, RSA-OAEP with
// SHA-256), the algorithms iamd refuses, and metadata documents.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createCipheriv, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SignedXml } from 'xml-crypto';
import { AwsError } from '../src/errors/aws-error.ts';
import { verifySamlResponse, type SamlVerifyOptions } from '../src/federation/saml-assertion.ts';
import { parseSamlMetadata } from '../src/federation/saml-metadata.ts';
import { AWS_AUDIENCE, AWS_RECIPIENT, makeTestIdp, metadataDocument, type TestIdp } from './saml-idp.ts';

const EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENV = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

function failure(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected an AwsError');
}

describe('SAML verification (pure)', () => {
  let idp: TestIdp;
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const options = (extra: Partial<SamlVerifyOptions> = {}): SamlVerifyOptions => ({
    entityId: idp.entityId,
    certificates: [idp.certDer],
    privateKeys: [],
    encryptionRequired: false,
    now: new Date(),
    acceptsRecipient: (u) => u === AWS_RECIPIENT,
    acceptsAudience: (a) => a === AWS_AUDIENCE,
    ...extra,
  });
  let otherCert = '';
  before(async () => {
    idp = await makeTestIdp('https://idp.example.org/metadata');
    otherCert = (await makeTestIdp('https://other.example.org')).certDer;
  });

  /** The test IdP's unsigned response, its Assertion's prefix declared on the Response only, signed in place. */
  function inheritedPrefix(signatureAlgorithm: string, prefixList?: string[]): string {
    const xml = idp
      .response({ sign: 'none', attributes: { RoleSessionName: ['x1'] } })
      .replace('<samlp:Response ', '<samlp:Response xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ')
      .replace(/<saml:(Assertion|Issuer) xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/g, '<saml:$1');
    // A PrefixList goes in SignedInfo's CanonicalizationMethod (xml-crypto also writes one, in the
    // wrong namespace, under the enveloped-signature transform when given for a Reference: iamd refuses that).
    const sig = new SignedXml({ privateKey: idp.keyPem, canonicalizationAlgorithm: EXC, signatureAlgorithm, inclusiveNamespacesPrefixList: prefixList });
    sig.addReference({ xpath: "//*[local-name(.)='Assertion']", transforms: [ENV, EXC], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha512' });
    sig.computeSignature(xml, { prefix: 'ds', location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
    return sig.getSignedXml();
  }

  test('an Assertion using a prefix its Response declares, RSA-SHA512, SHA-512 digest, an InclusiveNamespaces PrefixList', () => {
    const plain = inheritedPrefix('http://www.w3.org/2001/04/xmldsig-more#rsa-sha512');
    assert.equal(verifySamlResponse(plain, options()).subject, 'alice@example.com');
    const prefixed = inheritedPrefix('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', ['saml', 'xs']);
    assert.match(prefixed, /InclusiveNamespaces/);
    assert.deepEqual(verifySamlResponse(prefixed, options()).attributes.get('https://aws.amazon.com/SAML/Attributes/RoleSessionName'), ['x1']);
    // The same document, altered after signing.
    const e = failure(() => verifySamlResponse(prefixed.replace('>x1<', '>x2<'), options()));
    assert.deepEqual([e.code, e.message], ['InvalidIdentityToken', 'Response signature invalid']);
  });

  test('an XML declaration and a comment outside the Response are fine; a processing instruction inside is not', () => {
    const signed = idp.response();
    assert.equal(verifySamlResponse(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- from the IdP -->\n${signed}`, options()).subject, 'alice@example.com');
    const e = failure(() => verifySamlResponse(signed.replace('<samlp:Status>', '<?evil x?><samlp:Status>'), options()));
    assert.equal(e.message, 'Invalid SAML response: processing instructions are not allowed.');
  });

  test('signatures iamd does not evaluate: inclusive c14n, a missing c14n transform, two references, an unknown digest, a foreign KeyInfo key', () => {
    const signed = idp.response();
    const variants: [string, RegExp][] = [
      [
        signed.replace(
          `<ds:CanonicalizationMethod Algorithm="${EXC}"/>`,
          '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>',
        ),
        /exclusive c14n/,
      ],
      [signed.replace(`<ds:Transform Algorithm="${EXC}"/>`, ''), /enveloped-signature and exclusive c14n/],
      [signed.replace(/(<ds:Reference [\s\S]*?<\/ds:Reference>)/, '$1$1'), /exactly one Reference/],
      [signed.replace('http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmldsig-more#md5'), /digest method/],
      [signed.replace('URI="#', 'URI="#x'), /does not point at the signed element/],
    ];
    for (const [xml, reason] of variants) {
      const e = failure(() => verifySamlResponse(xml, options()));
      assert.equal(e.code, 'InvalidIdentityToken');
      assert.match(e.message, reason);
    }
    // Only the provider's certificates count: a response whose signature verifies with another key is refused.
    const e = failure(() => verifySamlResponse(signed, options({ certificates: [otherCert] })));
    assert.equal(e.message, 'Response signature invalid');
  });

  test('encrypted assertions: AES-128-CBC, RSA-OAEP with SHA-256, the EncryptedKey beside the EncryptedData', () => {
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(idp.response())![0];
    // Also when the decrypted Assertion relies on a prefix the Response declares (exclusive c14n
    // renders the declaration either way, so the signature still holds).
    for (const [assertion, responseNs] of [
      [signedAssertion, ''],
      [signedAssertion.replace(' xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"', ''), ' xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'],
    ] as const) {
      const xml = encryptedResponse(assertion, responseNs);
      assert.equal(verifySamlResponse(xml, options({ privateKeys: [privateKey], encryptionRequired: true })).subject, 'alice@example.com');
      const noKey = failure(() => verifySamlResponse(xml, options()));
      assert.equal(noKey.message, 'The encrypted assertion could not be decrypted.');
      // RSA PKCS#1 v1.5 key transport is refused outright.
      const v15 = xml.replace('http://www.w3.org/2009/xmlenc11#rsa-oaep', 'http://www.w3.org/2001/04/xmlenc#rsa-1_5');
      assert.match(failure(() => verifySamlResponse(v15, options({ privateKeys: [privateKey] }))).message, /unsupported key transport/);
    }
  });

  function encryptedResponse(assertion: string, responseNs: string): string {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    // XML Encryption padding: the last byte counts the padding, the others are arbitrary.
    const data = Buffer.from(assertion, 'utf8');
    const pad = 16 - (data.length % 16);
    const padded = Buffer.concat([data, randomBytes(pad - 1), Buffer.from([pad])]);
    const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
    const encrypted = Buffer.concat([iv, cipher.update(padded), cipher.final()]).toString('base64');
    const wrapped = publicEncrypt({ key: createPublicKey(privateKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key).toString('base64');
    const xenc = 'http://www.w3.org/2001/04/xmlenc#';
    const encryptedAssertion =
      `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="${xenc}" Type="${xenc}Element">` +
      `<xenc:EncryptionMethod Algorithm="${xenc}aes128-cbc"/><xenc:CipherData><xenc:CipherValue>${encrypted}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>` +
      `<xenc:EncryptedKey xmlns:xenc="${xenc}"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep">` +
      '<ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>' +
      '<xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></xenc:EncryptionMethod>' +
      `<xenc:CipherData><xenc:CipherValue>${wrapped}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></saml:EncryptedAssertion>`;
    return idp
      .response({ sign: 'none' })
      .replace('<samlp:Response ', `<samlp:Response${responseNs} `)
      .replace(/<saml:Assertion[\s\S]*<\/saml:Assertion>/, encryptedAssertion);
  }

  test('any mutation of a signed response: an AWS error, or the very subject that was signed', () => {
    const signed = { assertion: idp.response({ sign: 'assertion' }), response: idp.response({ sign: 'response' }) };
    const alphabet = ['<', '>', '/', '"', '=', ' ', 'a', '&', '#', '!', '-', '?', ':', 'x', 'ID', 'saml:', '<!---->', ']]>', '\u0000'];
    fc.assert(
      fc.property(
        fc.constantFrom('assertion', 'response' as const),
        fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...alphabet)), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          let xml = signed[which as 'assertion' | 'response'];
          for (const [at, cut, insert] of edits) {
            const i = at % xml.length;
            xml = xml.slice(0, i) + insert + xml.slice(i + cut);
          }
          try {
            assert.equal(verifySamlResponse(xml, options()).subject, 'alice@example.com');
          } catch (e) {
            if (!(e instanceof AwsError)) throw e;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('metadata: validUntil, only RSA signing certificates, an md:EntityDescriptor root', () => {
    const md = parseSamlMetadata(metadataDocument('https://idp.example.org/metadata', [idp.certDer], { validUntil: '2030-06-01T00:00:00.5Z' }));
    assert.deepEqual(
      [md.entityId, md.validUntil?.toISOString(), md.signingCertificates],
      ['https://idp.example.org/metadata', '2030-06-01T00:00:00.500Z', [idp.certDer]],
    );
    // An encryption-only key is not a signing key.
    const encryptionOnly = metadataDocument('https://idp.example.org/metadata', [idp.certDer]).replace('use="signing"', 'use="encryption"');
    assert.equal(failure(() => parseSamlMetadata(encryptionOnly)).message, 'Could not parse metadata.');
    const wrapped = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${metadataDocument('https://x', [idp.certDer]).replace(/^<\?xml[^>]*>\n/, '')}</md:EntitiesDescriptor>`;
    assert.equal(failure(() => parseSamlMetadata(wrapped)).code, 'InvalidInput');
  });
});
