// A SAML 2.0 Response (the SAMLAssertion of AssumeRoleWithSAML), verified and read from one DOM:
// the document is parsed once, its shape checked so that exactly one assertion can be meant, the
// signatures verified over elements of that DOM, and the values read from the same elements.
//
// What iamd requires, following AWS's rules for SAML assertions
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html):
// - a samlp:Response with exactly one Assertion (or EncryptedAssertion), a direct child of it;
//   no other element anywhere named Assertion or Response; no comment or processing instruction;
// - the Response or the Assertion signed (enveloped, by ID, pinned algorithms) by a certificate of
//   the provider's metadata; every signature present must verify;
// - Issuer (of the Assertion, and of the Response if it has one) = the metadata's entityID;
// - exactly one bearer SubjectConfirmation with NotOnOrAfter and an accepted Recipient;
// - Conditions whose every AudienceRestriction names an accepted audience; times within a small
//   clock skew; the assertion redeemed within 5 minutes of its IssueInstant.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { awsError } from '../errors/messages.ts';
import { DecryptionFailed, decryptAssertion } from './saml-decrypt.ts';
import { verifyEnvelopedSignature } from './saml-signature.ts';
import {
  attribute,
  children,
  descendants,
  inScopeNamespaces,
  is,
  NS,
  onlyChild,
  optionalChild,
  parseXml,
  plainTextOf,
  refuseCommentsAndInstructions,
  textOf,
  timeAttribute,
  XmlRefused,
} from './saml-xml.ts';

/** Clock skew tolerated between the IdP and iamd, for NotBefore / NotOnOrAfter / IssueInstant. */
export const CLOCK_SKEW_MS = 2 * 60_000;
/** AWS: "Token must be redeemed within 5 minutes of issuance". */
export const REDEEM_WITHIN_MS = 5 * 60_000;

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
/** SAML core 8.3: the NameID format in effect when none is given. */
export const UNSPECIFIED_FORMAT = 'urn:oasis:names:tc:SAML:1.0:nameid-format:unspecified';

export interface SamlVerifyOptions {
  /** The provider's entityID (its metadata's): the Issuer the response must carry. */
  entityId: string;
  /** The provider's signing certificates (DER, base64). */
  certificates: string[];
  /** The provider's private keys (PEM), for encrypted assertions. */
  privateKeys: string[];
  /** The provider requires encrypted assertions (AssertionEncryptionMode Required). */
  encryptionRequired: boolean;
  now: Date;
  /** Whether a SubjectConfirmationData Recipient (and a Response Destination) is an endpoint iamd answers for. */
  acceptsRecipient: (url: string) => boolean;
  /** Whether an AudienceRestriction's Audience names iamd. */
  acceptsAudience: (audience: string) => boolean;
}

export interface SamlAssertion {
  issuer: string;
  /** The NameID's value and format (the full Format URI). */
  subject: string;
  subjectFormat: string;
  /** The SubjectConfirmationData's Recipient. */
  recipient: string;
  /** The earliest SessionNotOnOrAfter of the AuthnStatements, if any. */
  sessionNotOnOrAfter?: Date;
  /** Attribute values by attribute Name (only values that are plain text). */
  attributes: Map<string, string[]>;
}

const malformed = (reason: string) => awsError('samlResponseMalformed', { reason });

/** Verifies and reads a SAML response (the XML text); throws AWS's STS errors. */
export function verifySamlResponse(xml: string, opts: SamlVerifyOptions): SamlAssertion {
  try {
    return verify(xml, opts);
  } catch (err) {
    if (err instanceof XmlRefused) throw malformed(err.message);
    if (err instanceof DecryptionFailed) throw awsError('samlDecryptionFailed');
    throw err;
  }
}

function keysOf(certificates: string[]): KeyObject[] {
  return certificates.map((der) => new X509Certificate(Buffer.from(der, 'base64')).publicKey);
}

/** Elements anywhere in the document whose local name is `local`, whatever their namespace. */
function named(doc: Document, ...locals: string[]): Element[] {
  return [...descendants(doc)].filter((el) => locals.includes(el.localName ?? ''));
}

function verify(xml: string, opts: SamlVerifyOptions): SamlAssertion {
  const doc = parseXml(xml);
  const response = doc.documentElement!;
  refuseCommentsAndInstructions(response);
  if (!is(response, NS.samlp, 'Response')) throw new XmlRefused('the root is not a samlp:Response');
  if (attribute(response, 'Version') !== '2.0') throw new XmlRefused('the Response is not SAML 2.0');
  if (named(doc, 'Response').length !== 1) throw new XmlRefused('more than one Response');

  // Exactly one assertion, right under the Response: never "the first one" of several.
  const assertions = named(doc, 'Assertion', 'EncryptedAssertion');
  if (assertions.length !== 1) throw new XmlRefused(assertions.length === 0 ? 'no Assertion' : 'more than one Assertion');
  const outer = assertions[0]!;
  if (outer.parentNode !== response || outer.namespaceURI !== NS.saml) throw new XmlRefused('the Assertion is not a child of the Response');
  const encrypted = outer.localName === 'EncryptedAssertion';
  if (!encrypted && opts.encryptionRequired) throw awsError('samlEncryptionRequired');

  // Signatures only where SAML puts them: on the Response, on the Assertion; one each.
  const signatures = [...descendants(doc)].filter((el) => is(el, NS.ds, 'Signature'));
  for (const s of signatures) {
    if (s.parentNode !== response && (encrypted || s.parentNode !== outer)) throw new XmlRefused('a signature outside the Response and Assertion');
  }
  const responseSignature = optionalChild(response, NS.ds, 'Signature');

  const responseIssuer = optionalChild(response, NS.saml, 'Issuer');
  if (responseIssuer && textOf(responseIssuer) !== opts.entityId) throw awsError('samlIssuerUnknown');
  const destination = attribute(response, 'Destination');
  if (destination !== undefined && !opts.acceptsRecipient(destination)) throw awsError('samlRecipientInvalid');

  const keys = keysOf(opts.certificates);
  if (responseSignature && !verifyEnvelopedSignature(doc, response, responseSignature, keys)) throw awsError('samlSignatureInvalid');

  const status = onlyChild(onlyChild(response, NS.samlp, 'Status'), NS.samlp, 'StatusCode');
  const statusValue = attribute(status, 'Value') ?? '';
  if (statusValue !== SUCCESS) throw awsError('samlIdpRejected', { status: statusValue });

  // The assertion, in the document it is verified and read in.
  let assertionDoc = doc;
  let assertion = outer;
  if (encrypted) {
    const privateKeys = opts.privateKeys.map((pem) => createPrivateKey(pem));
    if (privateKeys.length === 0) throw awsError('samlDecryptionFailed');
    // The decrypted Assertion may use prefixes the Response declares: it is read where it stood.
    assertionDoc = parseXml(decryptAssertion(outer, privateKeys), inScopeNamespaces(outer));
    assertion = assertionDoc.documentElement!;
    refuseCommentsAndInstructions(assertion);
    if (!is(assertion, NS.saml, 'Assertion') || named(assertionDoc, 'Assertion', 'EncryptedAssertion', 'Response').length !== 1) {
      throw new XmlRefused('the encrypted content is not one Assertion');
    }
    for (const s of descendants(assertionDoc))
      if (is(s, NS.ds, 'Signature') && s.parentNode !== assertion) throw new XmlRefused('a signature outside the Assertion');
  }
  const assertionSignature = optionalChild(assertion, NS.ds, 'Signature');
  if (assertionSignature && !verifyEnvelopedSignature(assertionDoc, assertion, assertionSignature, keys)) throw awsError('samlSignatureInvalid');
  if (!responseSignature && !assertionSignature) throw awsError('samlSignatureInvalid');

  return readAssertion(assertion, opts);
}

function readAssertion(assertion: Element, opts: SamlVerifyOptions): SamlAssertion {
  if (attribute(assertion, 'Version') !== '2.0') throw new XmlRefused('the Assertion is not SAML 2.0');
  const issuerEl = onlyChild(assertion, NS.saml, 'Issuer');
  const issuerFormat = attribute(issuerEl, 'Format');
  if (issuerFormat !== undefined && issuerFormat !== ENTITY_FORMAT) throw new XmlRefused('the Issuer is not an entity');
  const issuer = textOf(issuerEl);
  if (issuer !== opts.entityId) throw awsError('samlIssuerUnknown');

  const now = opts.now.getTime();
  const issued = timeAttribute(assertion, 'IssueInstant');
  if (!issued) throw new XmlRefused('the Assertion has no IssueInstant');
  if (issued.getTime() > now + CLOCK_SKEW_MS) throw awsError('samlNotYetValid');
  if (now - issued.getTime() > REDEEM_WITHIN_MS + CLOCK_SKEW_MS) throw awsError('samlIssuedTooLongAgo');

  // Subject: one NameID, one bearer confirmation with NotOnOrAfter and Recipient.
  const subjectEl = onlyChild(assertion, NS.saml, 'Subject');
  const nameId = onlyChild(subjectEl, NS.saml, 'NameID');
  const subject = textOf(nameId);
  if (subject.length === 0) throw new XmlRefused('the NameID is empty');
  const subjectFormat = attribute(nameId, 'Format') ?? UNSPECIFIED_FORMAT;
  const confirmation = onlyChild(subjectEl, NS.saml, 'SubjectConfirmation');
  if (attribute(confirmation, 'Method') !== BEARER) throw new XmlRefused('the SubjectConfirmation is not bearer');
  const data = onlyChild(confirmation, NS.saml, 'SubjectConfirmationData');
  const dataNotOnOrAfter = timeAttribute(data, 'NotOnOrAfter');
  const recipient = attribute(data, 'Recipient');
  if (!dataNotOnOrAfter || recipient === undefined) throw new XmlRefused('SubjectConfirmationData needs NotOnOrAfter and Recipient');
  if (dataNotOnOrAfter.getTime() <= now - CLOCK_SKEW_MS) throw awsError('samlResponseExpired');
  const dataNotBefore = timeAttribute(data, 'NotBefore');
  if (dataNotBefore && dataNotBefore.getTime() > now + CLOCK_SKEW_MS) throw awsError('samlNotYetValid');
  if (!opts.acceptsRecipient(recipient)) throw awsError('samlRecipientInvalid');

  // Conditions: validity window and audience.
  const conditions = onlyChild(assertion, NS.saml, 'Conditions');
  const notBefore = timeAttribute(conditions, 'NotBefore');
  const notOnOrAfter = timeAttribute(conditions, 'NotOnOrAfter');
  if (notBefore && notBefore.getTime() > now + CLOCK_SKEW_MS) throw awsError('samlNotYetValid');
  if (notOnOrAfter && notOnOrAfter.getTime() <= now - CLOCK_SKEW_MS) throw awsError('samlResponseExpired');
  const restrictions = children(conditions, NS.saml, 'AudienceRestriction');
  if (restrictions.length === 0) throw awsError('samlAudienceMissing');
  for (const r of restrictions) {
    if (!children(r, NS.saml, 'Audience').some((a) => opts.acceptsAudience(textOf(a)))) throw awsError('samlAudienceMissing');
  }

  let sessionNotOnOrAfter: Date | undefined;
  for (const statement of children(assertion, NS.saml, 'AuthnStatement')) {
    const until = timeAttribute(statement, 'SessionNotOnOrAfter');
    if (until && (!sessionNotOnOrAfter || until < sessionNotOnOrAfter)) sessionNotOnOrAfter = until;
  }

  const attributes = new Map<string, string[]>();
  for (const statement of children(assertion, NS.saml, 'AttributeStatement')) {
    for (const attr of children(statement, NS.saml, 'Attribute')) {
      const name = attribute(attr, 'Name');
      if (name === undefined) throw new XmlRefused('an Attribute has no Name');
      const values = attributes.get(name) ?? [];
      for (const v of children(attr, NS.saml, 'AttributeValue')) {
        const text = plainTextOf(v);
        if (text !== undefined) values.push(text);
      }
      attributes.set(name, values);
    }
  }
  return { issuer, subject, subjectFormat, recipient, sessionNotOnOrAfter, attributes };
}
