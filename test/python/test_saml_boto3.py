"""SAML federation with boto3: a SAML provider's round trip, then AssumeRoleWithSAML with a response
this test signs itself. Python's standard library has no XML-DSig, so the assertion is written
already in exclusive-c14n form and signed over that exact text (with `cryptography`): an
implementation independent of the xml-crypto one the TypeScript tests sign with."""
import base64
import datetime
import hashlib
import json
import secrets

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

ACCOUNT = "111122223333"
ENTITY_ID = "https://py-idp.example.com/saml"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
RECIPIENT = "https://signin.aws.amazon.com/saml"
ATTR = "https://aws.amazon.com/SAML/Attributes/"


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def esc_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def idp():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "py-idp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    metadata = (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ENTITY_ID}">'
        f'<md:IDPSSODescriptor protocolSupportEnumeration="{SAMLP}"><md:KeyDescriptor use="signing">'
        f'<ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'
        f'</md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{ENTITY_ID}/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
    return {"key": key, "metadata": metadata}


def saml_response(key, attributes, name_id="py-user@example.com"):
    """A samlp:Response whose Assertion is signed (enveloped, exclusive c14n, RSA-SHA256)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    later = iso(now + datetime.timedelta(minutes=5))
    aid = "_" + secrets.token_hex(16)
    attrs = "".join(
        f'<saml:Attribute Name="{esc_attr(ATTR + name)}">'
        + "".join(f"<saml:AttributeValue>{esc_text(v)}</saml:AttributeValue>" for v in values)
        + "</saml:Attribute>"
        for name, values in attributes.items()
    )
    # Exclusive c14n form: namespace declarations first, attributes sorted, no empty-element tags.
    head = f'<saml:Assertion xmlns:saml="{SAML}" ID="{aid}" IssueInstant="{iso(now)}" Version="2.0"><saml:Issuer>{ENTITY_ID}</saml:Issuer>'
    body = (
        f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">{esc_text(name_id)}</saml:NameID>'
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="{RECIPIENT}"></saml:SubjectConfirmationData>'
        "</saml:SubjectConfirmation></saml:Subject>"
        f'<saml:Conditions NotBefore="{iso(now - datetime.timedelta(minutes=1))}" NotOnOrAfter="{later}">'
        "<saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions>"
        f'<saml:AuthnStatement AuthnInstant="{iso(now)}"><saml:AuthnContext><saml:AuthnContextClassRef>'
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
        f"<saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion>"
    )
    digest = base64.b64encode(hashlib.sha256((head + body).encode()).digest()).decode()
    signed_info = (
        f'<ds:SignedInfo xmlns:ds="{DS}">'
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:CanonicalizationMethod>'
        '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></ds:SignatureMethod>'
        f'<ds:Reference URI="#{aid}"><ds:Transforms>'
        '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>'
        '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform></ds:Transforms>'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    )
    value = base64.b64encode(key.sign(signed_info.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    signature = f'<ds:Signature xmlns:ds="{DS}">{signed_info}<ds:SignatureValue>{value}</ds:SignatureValue></ds:Signature>'
    response = (
        f'<samlp:Response xmlns:samlp="{SAMLP}" ID="_{secrets.token_hex(16)}" Version="2.0" IssueInstant="{iso(now)}" Destination="{RECIPIENT}">'
        f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        f"{head}{signature}{body}</samlp:Response>"
    )
    return base64.b64encode(response.encode()).decode()


def test_saml_provider_round_trip(root_iam, idp):
    arn = root_iam.create_saml_provider(Name="py-idp", SAMLMetadataDocument=idp["metadata"], Tags=[{"Key": "team", "Value": "py"}])["SAMLProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:saml-provider/py-idp"
    got = root_iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == idp["metadata"]
    assert got["ValidUntil"].year == got["CreateDate"].year + 100
    assert got["Tags"] == [{"Key": "team", "Value": "py"}]
    assert any(p["Arn"] == arn for p in root_iam.list_saml_providers()["SAMLProviderList"])
    root_iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    root_iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["team"])
    assert root_iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    root_iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=pem, AssertionEncryptionMode="Allowed")
    keys = root_iam.get_saml_provider(SAMLProviderArn=arn)["PrivateKeyList"]
    assert len(keys) == 1 and "PRIVATE" not in json.dumps(keys, default=str)
    with pytest.raises(ClientError) as bad:
        root_iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument="<x>" + "y" * 1000 + "</x>")
    assert bad.value.response["Error"]["Code"] == "InvalidInput"
    assert bad.value.response["Error"]["Message"] == "Could not parse metadata."
    root_iam.delete_saml_provider(SAMLProviderArn=arn)
    with pytest.raises(ClientError) as gone:
        root_iam.get_saml_provider(SAMLProviderArn=arn)
    assert gone.value.response["Error"]["Code"] == "NoSuchEntity"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_assume_role_with_saml(root_iam, endpoint, make_client, idp):
    provider = root_iam.create_saml_provider(Name="py-sso", SAMLMetadataDocument=idp["metadata"])["SAMLProviderArn"]
    trust = policy({"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML",
                    "Condition": {"StringEquals": {"SAML:sub_type": "transient", "SAML:iss": ENTITY_ID}}})
    role = root_iam.create_role(RoleName="py-saml-role", AssumeRolePolicyDocument=trust)["Role"]
    root_iam.put_role_policy(RoleName="py-saml-role", PolicyName="list", PolicyDocument=policy({"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}))

    # Credentials that do not exist: boto3 must not sign AssumeRoleWithSAML.
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIAEXAMPLENOTAKEY00", aws_secret_access_key="x" * 40)
    grant = [f"{role['Arn']},{provider}"]
    out = sts.assume_role_with_saml(RoleArn=role["Arn"], PrincipalArn=provider,
                                    SAMLAssertion=saml_response(idp["key"], {"Role": grant, "RoleSessionName": ["py-user"]}), DurationSeconds=900)
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/py-saml-role/py-user"
    assert out["SubjectType"] == "transient" and out["Subject"] == "py-user@example.com"
    assert out["Issuer"] == ENTITY_ID and out["Audience"] == RECIPIENT
    expected = base64.b64encode(hashlib.sha1(f"{ENTITY_ID}{ACCOUNT}/py-sso".encode()).digest()).decode()
    assert out["NameQualifier"] == expected
    creds = out["Credentials"]
    me = make_client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()
    assert me["Arn"] == out["AssumedRoleUser"]["Arn"]
    assert any(r["RoleName"] == "py-saml-role" for r in make_client("iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).list_roles()["Roles"])

    # Altered after signing: refused.
    tampered = base64.b64encode(base64.b64decode(saml_response(idp["key"], {"Role": grant, "RoleSessionName": ["py-user"]})).replace(b"py-user@example.com", b"root@example.com")).decode()
    with pytest.raises(ClientError) as err:
        sts.assume_role_with_saml(RoleArn=role["Arn"], PrincipalArn=provider, SAMLAssertion=tampered)
    assert err.value.response["Error"]["Code"] == "InvalidIdentityToken"
    assert err.value.response["Error"]["Message"] == "Response signature invalid"
    # Signed, but the role is not among the assertion's Role values.
    with pytest.raises(ClientError) as err:
        sts.assume_role_with_saml(RoleArn=role["Arn"], PrincipalArn=provider,
                                  SAMLAssertion=saml_response(idp["key"], {"Role": [f"arn:aws:iam::{ACCOUNT}:role/other,{provider}"], "RoleSessionName": ["py-user"]}))
    assert err.value.response["Error"]["Code"] == "InvalidIdentityToken"
