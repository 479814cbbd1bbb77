// XML-DSig verification of one enveloped signature, over the DOM iamd then reads from. xml-crypto's
// SignedXml applies the transforms (enveloped signature, exclusive c14n) to the element in this
// DOM; iamd decides everything around them, and refuses what SAML signature wrapping relies on:
// - exactly one Reference, whose URI is `#ID` of the very element that holds the signature, and
//   that ID is carried by that element alone in the whole document;
// - pinned algorithms: exclusive c14n (without comments), RSA with SHA-1/256/384/512, digests
//   SHA-1/256/384/512; never HMAC (a public certificate used as an HMAC key forges anything);
// - the key is one of the provider's certificates, never a KeyInfo the document carries.
// https://www.w3.org/TR/xmldsig-core1/ ; https://www.usenix.org/conference/usenixsecurity12/technical-sessions/presentation/somorovsky
import { createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import {
  ancestorNamespaces,
  attribute,
  childElements,
  decodeBase64,
  elementsWithId,
  is,
  NS,
  onlyChild,
  optionalChild,
  textOf,
  XmlRefused,
} from './saml-xml.ts';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** SignatureMethod → the hash of an RSASSA-PKCS1-v1_5 signature. */
const SIGNATURE_METHODS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
};

const DIGEST_METHODS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

/** The algorithms iamd accepts, for documentation and tests. */
export const ACCEPTED_SIGNATURE_METHODS = Object.keys(SIGNATURE_METHODS);
export const ACCEPTED_DIGEST_METHODS = Object.keys(DIGEST_METHODS);

/** The PrefixList of an ec:InclusiveNamespaces child of a c14n method or transform. */
function inclusivePrefixes(method: Element): string[] {
  const prefixes: string[] = [];
  for (const child of childElements(method)) {
    if (!is(child, NS.ec, 'InclusiveNamespaces')) throw new XmlRefused(`unexpected ${child.localName ?? 'element'} in ${method.localName ?? 'a method'}`);
    prefixes.push(...(attribute(child, 'PrefixList') ?? '').split(/\s+/).filter((p) => p.length > 0));
  }
  return prefixes;
}

/** xml-crypto is typed with the DOM's Node; xmldom's nodes are what it works on at run time. */
function domNode(el: Element): Node {
  return el as unknown as Node;
}

function algorithm(el: Element): string {
  const alg = attribute(el, 'Algorithm');
  if (alg === undefined) throw new XmlRefused(`${el.localName} has no Algorithm`);
  return alg;
}

/**
 * Verifies `signature`, a ds:Signature child of `signed`, against `keys`. True when it verifies
 * with one of them; false when it is a well-formed signature that does not (altered content, or
 * another key). Throws XmlRefused for a signature iamd will not evaluate at all.
 */
export function verifyEnvelopedSignature(doc: Document, signed: Element, signature: Element, keys: KeyObject[]): boolean {
  if (signature.parentNode !== signed || !is(signature, NS.ds, 'Signature')) throw new XmlRefused('the signature is not enveloped in the signed element');
  const id = attribute(signed, 'ID');
  if (id === undefined || id.length === 0) throw new XmlRefused(`the signed ${signed.localName} has no ID`);
  if (elementsWithId(doc, id) !== 1) throw new XmlRefused('more than one element has the signed ID');

  // Signature: SignedInfo, SignatureValue, an optional KeyInfo (never used: the provider's certificates are); no Object.
  const allowed = new Set(['SignedInfo', 'SignatureValue', 'KeyInfo']);
  if (childElements(signature).some((c) => c.namespaceURI !== NS.ds || !allowed.has(c.localName ?? '')))
    throw new XmlRefused('unexpected element in Signature');
  const signedInfo = onlyChild(signature, NS.ds, 'SignedInfo');
  const signatureValue = decodeBase64(textOf(onlyChild(signature, NS.ds, 'SignatureValue')));
  if (!signatureValue) throw new XmlRefused('SignatureValue is not base64');

  // SignedInfo: CanonicalizationMethod, SignatureMethod, one Reference; nothing else.
  const parts = childElements(signedInfo);
  const [c14nMethod, signatureMethod, reference] = parts;
  if (
    parts.length !== 3 ||
    !is(c14nMethod!, NS.ds, 'CanonicalizationMethod') ||
    !is(signatureMethod!, NS.ds, 'SignatureMethod') ||
    !is(reference!, NS.ds, 'Reference')
  ) {
    throw new XmlRefused('SignedInfo must hold a CanonicalizationMethod, a SignatureMethod and exactly one Reference');
  }
  if (algorithm(c14nMethod!) !== EXC_C14N) throw new XmlRefused('the canonicalization method is not exclusive c14n');
  const signedInfoPrefixes = inclusivePrefixes(c14nMethod!);
  const hash = SIGNATURE_METHODS[algorithm(signatureMethod!)];
  if (hash === undefined) throw new XmlRefused('the signature method is not one iamd accepts');
  if (childElements(signatureMethod!).length > 0) throw new XmlRefused('SignatureMethod takes no parameters');

  // The Reference: the signed element itself, enveloped signature then exclusive c14n.
  if (attribute(reference!, 'URI') !== `#${id}`) throw new XmlRefused('the Reference does not point at the signed element');
  const transforms = optionalChild(reference!, NS.ds, 'Transforms');
  const transformList = transforms ? childElements(transforms) : [];
  if (transformList.some((t) => !is(t, NS.ds, 'Transform'))) throw new XmlRefused('unexpected element in Transforms');
  const [first, second] = transformList;
  if (transformList.length !== 2 || algorithm(first!) !== ENVELOPED || algorithm(second!) !== EXC_C14N || childElements(first!).length > 0) {
    throw new XmlRefused('the Reference must use the enveloped-signature and exclusive c14n transforms');
  }
  const referencePrefixes = inclusivePrefixes(second!);
  const digestName = DIGEST_METHODS[algorithm(onlyChild(reference!, NS.ds, 'DigestMethod'))];
  if (digestName === undefined) throw new XmlRefused('the digest method is not one iamd accepts');
  const expectedDigest = decodeBase64(textOf(onlyChild(reference!, NS.ds, 'DigestValue')));
  if (!expectedDigest) throw new XmlRefused('DigestValue is not base64');
  const known = new Set(['Transforms', 'DigestMethod', 'DigestValue']);
  if (childElements(reference!).some((c) => c.namespaceURI !== NS.ds || !known.has(c.localName ?? ''))) throw new XmlRefused('unexpected element in Reference');

  let canonical: string;
  let canonicalSignedInfo: Buffer;
  try {
    const sx = new SignedXml();
    sx.loadSignature(domNode(signature)); // binds this Signature element, for the enveloped-signature transform
    // The referenced element and SignedInfo, canonicalized in place in this DOM.
    canonical = sx.getCanonXml([ENVELOPED, EXC_C14N], domNode(signed), {
      inclusiveNamespacesPrefixList: referencePrefixes,
      ancestorNamespaces: ancestorNamespaces(signed),
    });
    const signedInfoText = sx.getCanonXml([EXC_C14N], domNode(signedInfo), {
      inclusiveNamespacesPrefixList: signedInfoPrefixes,
      ancestorNamespaces: ancestorNamespaces(signedInfo),
    });
    canonicalSignedInfo = Buffer.from(signedInfoText, 'utf8');
  } catch {
    throw new XmlRefused('the signature could not be evaluated');
  }
  const digest = createHash(digestName).update(canonical, 'utf8').digest();
  if (digest.length !== expectedDigest.length || !timingSafeEqual(digest, expectedDigest)) return false;

  // The signature over the canonical SignedInfo.
  return keys.some((key) => {
    try {
      return verify(hash, canonicalSignedInfo, key, signatureValue);
    } catch {
      return false;
    }
  });
}
