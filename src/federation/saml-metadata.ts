// A SAML identity provider's metadata document, as CreateSAMLProvider and UpdateSAMLProvider take
// it: an md:EntityDescriptor with an IDPSSODescriptor for SAML 2.0 and at least one signing
// certificate (an X.509 certificate with an RSA key: the keys iamd verifies signatures with).
// https://docs.oasis-open.org/security/saml/v2.0/saml-metadata-2.0-os.pdf
import { X509Certificate } from 'node:crypto';
import { awsError } from '../errors/messages.ts';
import { attribute, children, childElements, decodeBase64, is, NS, parseXml, textOf, timeAttribute, XmlRefused } from './saml-xml.ts';

export interface SamlMetadata {
  /** The IdP's entityID: what a response's Issuer must be. */
  entityId: string;
  /** The document's validUntil, when it has one. */
  validUntil?: Date;
  /** The signing certificates (DER, base64), in document order, each with an RSA public key. */
  signingCertificates: string[];
}

const SAML2_PROTOCOL = NS.samlp;

/** Reads a metadata document; throws InvalidInput ("Could not parse metadata.") for anything iamd cannot use. */
export function parseSamlMetadata(text: string): SamlMetadata {
  try {
    return readMetadata(text);
  } catch (err) {
    if (err instanceof XmlRefused) throw awsError('samlMetadataInvalid');
    throw err;
  }
}

function readMetadata(text: string): SamlMetadata {
  const doc = parseXml(text);
  const root = doc.documentElement!;
  if (!is(root, NS.md, 'EntityDescriptor')) throw new XmlRefused('the root is not an md:EntityDescriptor');
  const entityId = attribute(root, 'entityID');
  // SAML metadata: entityID is a URI of at most 1024 characters.
  if (entityId === undefined || entityId.length === 0 || entityId.length > 1024 || /\s/.test(entityId)) throw new XmlRefused('no entityID');
  const validUntil = timeAttribute(root, 'validUntil');

  const idps = children(root, NS.md, 'IDPSSODescriptor').filter((d) =>
    (attribute(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL),
  );
  if (idps.length === 0) throw new XmlRefused('no IDPSSODescriptor for SAML 2.0');
  const signingCertificates: string[] = [];
  for (const idp of idps) {
    for (const kd of children(idp, NS.md, 'KeyDescriptor')) {
      const use = attribute(kd, 'use');
      if (use !== undefined && use !== 'signing') continue;
      for (const keyInfo of children(kd, NS.ds, 'KeyInfo')) {
        for (const data of children(keyInfo, NS.ds, 'X509Data')) {
          for (const el of childElements(data)) {
            if (!is(el, NS.ds, 'X509Certificate')) continue;
            const der = decodeBase64(textOf(el));
            if (!der) throw new XmlRefused('an X509Certificate is not base64');
            let cert: X509Certificate;
            try {
              cert = new X509Certificate(der);
            } catch {
              throw new XmlRefused('an X509Certificate is not a certificate');
            }
            if (cert.publicKey.asymmetricKeyType !== 'rsa') continue;
            const b64 = der.toString('base64');
            if (!signingCertificates.includes(b64)) signingCertificates.push(b64);
          }
        }
      }
    }
  }
  if (signingCertificates.length === 0) throw new XmlRefused('no RSA signing certificate');
  return { entityId, validUntil, signingCertificates };
}
