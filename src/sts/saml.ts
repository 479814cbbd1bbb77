// STS AssumeRoleWithSAML: temporary credentials for a role, for a user an external identity
// provider authenticated. The request is unsigned: the SAML response is the proof. It is verified
// against the IAM SAML provider PrincipalArn names (src/federation/saml-assertion.ts), its Role
// attribute must pair RoleArn with that provider, and the role's trust policy decides for the
// provider's Federated principal with the SAML:* keys (src/sts/federated-session.ts).
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html
import { createHash } from 'node:crypto';
import type { StsHandlers } from '../actions/registry.ts';
import { awsError } from '../errors/messages.ts';
import type { Partition } from '../sigv4/index.ts';
import { verifySamlResponse, type SamlAssertion } from '../federation/saml-assertion.ts';
import { decodeBase64 } from '../federation/saml-xml.ts';
import { openPrivateKeys, parseSamlProviderArn, SAML_PROVIDER_KIND, type SamlProviderData } from '../iam/saml-provider-data.ts';
import { issueFederatedSession } from './federated-session.ts';

const ATTRIBUTES = 'https://aws.amazon.com/SAML/Attributes/';
const ROLE = `${ATTRIBUTES}Role`;
const ROLE_SESSION_NAME = `${ATTRIBUTES}RoleSessionName`;
const SESSION_DURATION = `${ATTRIBUTES}SessionDuration`;
const PRINCIPAL_TAG = `${ATTRIBUTES}PrincipalTag:`;
const TRANSITIVE_TAG_KEYS = `${ATTRIBUTES}TransitiveTagKeys`;
const SOURCE_IDENTITY = `${ATTRIBUTES}SourceIdentity`;

/** AWS's pattern for role session names and source identities, as its error messages write it. */
const NAME_PATTERN_TEXT = '[a-zA-Z_0-9+=,.@-]{2,64}';
const NAME_PATTERN = /^[a-zA-Z_0-9+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:[\w-]+:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** Session tags: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html */
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const MAX_SESSION_TAGS = 50;
const FORMAT_PREFIX = 'urn:oasis:names:tc:SAML:2.0:nameid-format:';

/**
 * Attributes AWS maps to SAML:* condition keys (eduPerson and eduOrg by OID, and cn):
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html#saml-attribute-mapping
 */
const MAPPED_ATTRIBUTES: Readonly<Record<string, string>> = {
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': 'SAML:edupersonaffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.2': 'SAML:edupersonnickname',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.3': 'SAML:edupersonorgdn',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.4': 'SAML:edupersonorgunitdn',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.5': 'SAML:edupersonprimaryaffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': 'SAML:edupersonprincipalname',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7': 'SAML:edupersonentitlement',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.8': 'SAML:edupersonprimaryorgunitdn',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.9': 'SAML:edupersonscopedaffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.10': 'SAML:edupersontargetedid',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.11': 'SAML:edupersonassurance',
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.2': 'SAML:eduorghomepageuri',
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.3': 'SAML:eduorgidentityauthnpolicyuri',
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.4': 'SAML:eduorglegalname',
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.5': 'SAML:eduorgsuperioruri',
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.6': 'SAML:eduorgwhitepagesuri',
  'urn:oid:2.5.4.3': 'SAML:cn',
};

/** The sign-in host of each partition's SAML endpoint, and the entity id of AWS's service provider. */
const SIGN_IN: Partial<Record<Partition, { host: string; entityIds: string[] }>> = {
  aws: { host: 'signin.aws.amazon.com', entityIds: ['urn:amazon:webservices'] },
  'aws-cn': { host: 'signin.amazonaws.cn', entityIds: ['urn:amazon:webservices:cn-north-1'] },
  'aws-us-gov': { host: 'signin.amazonaws-us-gov.com', entityIds: ['urn:amazon:webservices:govcloud'] },
};

/**
 * Where an assertion may be addressed: AWS's SAML sign-in endpoints of the partition iamd serves,
 * global or regional, `/saml`, `/static/saml` or `/saml/acs/PROVIDER-UUID`. An IdP set up for
 * AWS works with iamd unchanged.
 */
function acceptsRecipient(partition: Partition, providerUuid: string): (url: string) => boolean {
  const host = (SIGN_IN[partition] ?? SIGN_IN.aws!).host.replaceAll('.', '\\.');
  const pattern = new RegExp(`^https://([a-z]{2}(-[a-z]+)+-\\d+\\.)?${host}/(saml|static/saml|saml/acs/${providerUuid})$`);
  return (url) => pattern.test(url);
}

/** The audiences iamd answers to: AWS's service provider entity id, or a sign-in endpoint. */
function acceptsAudience(partition: Partition, recipient: (url: string) => boolean): (audience: string) => boolean {
  const entityIds = (SIGN_IN[partition] ?? SIGN_IN.aws!).entityIds;
  return (audience) => entityIds.includes(audience) || recipient(audience);
}

function single(assertion: SamlAssertion, name: string, label: string): string | undefined {
  const values = assertion.attributes.get(name);
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw awsError('samlAttributeInvalid', { attribute: label, reason: 'it must have one value' });
  return values[0]!.trim();
}

/** The role/provider pairs of the Role attribute: each value is `ROLE-ARN,PROVIDER-ARN`, in either order. */
function rolePairs(assertion: SamlAssertion): { role: string; provider: string }[] {
  const pairs: { role: string; provider: string }[] = [];
  for (const value of assertion.attributes.get(ROLE) ?? []) {
    const parts = value.split(',').map((p) => p.trim());
    if (parts.length !== 2) continue;
    const [a, b] = parts as [string, string];
    if (ROLE_ARN.test(a) && parseSamlProviderArn(b)) pairs.push({ role: a, provider: b });
    else if (ROLE_ARN.test(b) && parseSamlProviderArn(a)) pairs.push({ role: b, provider: a });
  }
  return pairs;
}

/** Session tags from PrincipalTag:KEY attributes, and which of them are transitive, checked by AWS's rules. */
function sessionTags(assertion: SamlAssertion): { tags: Record<string, string>; transitive: string[] } {
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  for (const name of assertion.attributes.keys()) {
    if (!name.startsWith(PRINCIPAL_TAG)) continue;
    const key = name.slice(PRINCIPAL_TAG.length);
    const label = `PrincipalTag:${key}`;
    const value = single(assertion, name, label) ?? '';
    if (!TAG_KEY.test(key) || key.toLowerCase().startsWith('aws:')) throw awsError('samlAttributeInvalid', { attribute: label, reason: 'not a valid tag key' });
    if (!TAG_VALUE.test(value)) throw awsError('samlAttributeInvalid', { attribute: label, reason: 'not a valid tag value' });
    if (seen.has(key.toLowerCase())) throw awsError('samlAttributeInvalid', { attribute: label, reason: 'tag keys are case insensitive and must be unique' });
    seen.add(key.toLowerCase());
    tags[key] = value;
  }
  if (seen.size > MAX_SESSION_TAGS) throw awsError('samlAttributeInvalid', { attribute: 'PrincipalTag', reason: `at most ${MAX_SESSION_TAGS} session tags` });
  const transitive = (assertion.attributes.get(TRANSITIVE_TAG_KEYS) ?? []).map((k) => k.trim());
  for (const key of transitive) {
    if (!seen.has(key.toLowerCase()))
      throw awsError('samlAttributeInvalid', { attribute: 'TransitiveTagKeys', reason: `${key} is not a PrincipalTag of the assertion` });
  }
  return { tags, transitive };
}

/** SAML:* condition keys of the trust policy, and NameQualifier. */
function conditionKeys(assertion: SamlAssertion, accountId: string, providerName: string): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {
    'SAML:aud': assertion.recipient,
    'SAML:iss': assertion.issuer,
    'SAML:sub': assertion.subject,
    'SAML:sub_type': subjectType(assertion.subjectFormat),
    'SAML:namequalifier': nameQualifier(assertion.issuer, accountId, providerName),
    'SAML:doc': `${accountId}/${providerName}`,
  };
  for (const [name, values] of assertion.attributes) {
    const key = MAPPED_ATTRIBUTES[name];
    if (key !== undefined && values.length > 0) keys[key] = values.length === 1 ? values[0]! : values;
  }
  return keys;
}

/** SubjectType: the NameID Format without AWS's strip of `urn:oasis:names:tc:SAML:2.0:nameid-format:`. */
function subjectType(format: string): string {
  return format.startsWith(FORMAT_PREFIX) ? format.slice(FORMAT_PREFIX.length) : format;
}

/** NameQualifier = Base64(SHA1(Issuer + AccountId + "/" + ProviderName)), as AWS documents it. */
function nameQualifier(issuer: string, accountId: string, providerName: string): string {
  return createHash('sha1').update(`${issuer}${accountId}/${providerName}`, 'utf8').digest('base64');
}

export const samlHandlers = {
  async AssumeRoleWithSAML(ctx, input) {
    const partition = ctx.services.partition;
    const principal = parseSamlProviderArn(input.PrincipalArn);
    if (!principal) throw awsError('samlPrincipalArnInvalid');
    if (!ROLE_ARN.test(input.RoleArn)) throw awsError('samlRequestArnInvalid');
    const xml = decodeBase64(input.SAMLAssertion)?.toString('utf8');
    if (xml === undefined) throw awsError('samlResponseMalformed', { reason: 'SAMLAssertion is not base64' });

    const provider = await ctx.services.store.read((repo) => repo.getEntityByName<SamlProviderData>(principal.account, SAML_PROVIDER_KIND, principal.name));
    if (!provider) throw awsError('samlProviderMissing');
    const now = ctx.request.now;
    if (Date.parse(provider.data.validUntil) <= now.getTime()) throw awsError('samlProviderExpired');

    const recipient = acceptsRecipient(partition, provider.id);
    const assertion = verifySamlResponse(xml, {
      entityId: provider.data.entityId,
      certificates: provider.data.certificates,
      privateKeys: openPrivateKeys(ctx.services.secrets, provider),
      encryptionRequired: provider.data.assertionEncryptionMode === 'Required',
      now,
      acceptsRecipient: recipient,
      acceptsAudience: acceptsAudience(partition, recipient),
    });

    // The IdP must have granted this very role through this very provider.
    if (!rolePairs(assertion).some((p) => p.role === input.RoleArn && p.provider === input.PrincipalArn)) {
      throw awsError('samlRoleNotGranted', { roleArn: input.RoleArn, principalArn: input.PrincipalArn });
    }
    const sessionName = single(assertion, ROLE_SESSION_NAME, 'RoleSessionName');
    if (sessionName === undefined) throw awsError('samlRoleSessionNameRequired');
    if (!NAME_PATTERN.test(sessionName)) throw awsError('samlRoleSessionNameInvalid', { pattern: NAME_PATTERN_TEXT });
    const sourceIdentity = single(assertion, SOURCE_IDENTITY, 'SourceIdentity');
    if (sourceIdentity !== undefined && (!NAME_PATTERN.test(sourceIdentity) || sourceIdentity.toLowerCase().startsWith('aws:'))) {
      throw awsError('samlSourceIdentityInvalid', { pattern: NAME_PATTERN_TEXT });
    }
    const { tags, transitive } = sessionTags(assertion);

    // The session ends at the earliest of DurationSeconds, the assertion's SessionNotOnOrAfter and
    // its SessionDuration attribute (900–43200 seconds).
    let notAfter = assertion.sessionNotOnOrAfter?.getTime();
    if (notAfter !== undefined && notAfter <= now.getTime()) throw awsError('samlResponseExpired');
    const sessionDuration = single(assertion, SESSION_DURATION, 'SessionDuration');
    if (sessionDuration !== undefined) {
      const seconds = /^\d{3,5}$/.test(sessionDuration) ? Number(sessionDuration) : Number.NaN;
      if (!(seconds >= 900 && seconds <= 43200))
        throw awsError('samlAttributeInvalid', { attribute: 'SessionDuration', reason: 'it must be 900 to 43200 seconds' });
      notAfter = Math.min(notAfter ?? Number.POSITIVE_INFINITY, now.getTime() + seconds * 1000);
    }

    const providerArn = `arn:${partition}:iam::${provider.accountId}:${SAML_PROVIDER_KIND}/${provider.name}`;
    const session = await issueFederatedSession(ctx, {
      kind: 'AssumeRoleWithSAML',
      roleArn: input.RoleArn,
      sessionName,
      provider: { arn: providerArn, accountId: provider.accountId },
      conditionKeys: conditionKeys(assertion, provider.accountId, provider.name),
      tags: Object.keys(tags).length > 0 ? tags : undefined,
      transitiveTagKeys: transitive.length > 0 ? transitive : undefined,
      sourceIdentity,
      policy: input.Policy,
      policyArns: input.PolicyArns,
      durationSeconds: input.DurationSeconds,
      notAfter,
    });
    return {
      ...session,
      Subject: assertion.subject,
      SubjectType: subjectType(assertion.subjectFormat),
      Issuer: assertion.issuer,
      Audience: assertion.recipient,
      NameQualifier: nameQualifier(assertion.issuer, provider.accountId, provider.name),
    };
  },
} satisfies StsHandlers;
