"""Outbound web identity federation with boto3: enable the issuer, get a JWT from STS, verify it
from the issuer's discovery document and JWKS as an external service would (cryptography)."""
import base64
import json
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ACCOUNT = "111122223333"
AUDIENCE = "https://py.example.com"


def b64(data):
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def fetch_json(url):
    with urllib.request.urlopen(url) as res:
        assert res.status == 200
        return json.loads(res.read())


def verify(token, issuer):
    """Checks the signature with the published key the header names; returns the claims."""
    discovery = fetch_json(issuer + "/.well-known/openid-configuration")
    assert discovery["issuer"] == issuer
    keys = {k["kid"]: k for k in fetch_json(discovery["jwks_uri"])["keys"]}
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64(header_b64))
    jwk = keys[header["kid"]]
    signed = f"{header_b64}.{payload_b64}".encode()
    signature = b64(signature_b64)
    num = lambda v: int.from_bytes(b64(v), "big")  # noqa: E731
    if header["alg"] == "RS256":
        key = rsa.RSAPublicNumbers(num(jwk["e"]), num(jwk["n"])).public_key()
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert header["alg"] == "ES384" and jwk["crv"] == "P-384"
        key = ec.EllipticCurvePublicNumbers(num(jwk["x"]), num(jwk["y"]), ec.SECP384R1()).public_key()
        der = encode_dss_signature(int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big"))
        key.verify(der, signed, ec.ECDSA(hashes.SHA384()))
    return json.loads(b64(payload_b64))


def test_outbound_tokens(root_iam, make_client):
    try:
        issuer = root_iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    except ClientError as err:  # already on (another run in this iamd): Get tells the issuer
        assert err.response["Error"]["Code"] == "FeatureEnabled"
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 409
        issuer = root_iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    info = root_iam.get_outbound_web_identity_federation_info()
    assert info["IssuerIdentifier"] == issuer and info["JwtVendingEnabled"] is True
    with pytest.raises(ClientError) as again:
        root_iam.enable_outbound_web_identity_federation()
    assert again.value.response["Error"]["Code"] == "FeatureEnabled"

    root_iam.create_user(UserName="py-outbound")
    root_iam.put_user_policy(UserName="py-outbound", PolicyName="tokens", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
                       "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": AUDIENCE}}}],
    }))
    key = root_iam.create_access_key(UserName="py-outbound")["AccessKey"]
    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])

    for alg in ("RS256", "ES384"):
        out = sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm=alg, DurationSeconds=120)
        claims = verify(out["WebIdentityToken"], issuer)
        assert claims["iss"] == issuer and claims["aud"] == AUDIENCE
        assert claims["sub"] == f"arn:aws:iam::{ACCOUNT}:user/py-outbound"
        assert claims["exp"] - claims["iat"] == 120 and abs(claims["iat"] - time.time()) < 300
        assert int(out["Expiration"].timestamp()) == claims["exp"]
        assert claims["https://sts.amazonaws.com/"]["aws_account"] == ACCOUNT

    with pytest.raises(ClientError) as denied:
        sts.get_web_identity_token(Audience=["https://elsewhere.example.com"], SigningAlgorithm="RS256")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as bad:
        sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm="HS256")
    assert bad.value.response["Error"]["Code"] == "ValidationError"

    root_iam.disable_outbound_web_identity_federation()
    try:
        with pytest.raises(ClientError) as off:
            sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm="RS256")
        assert off.value.response["Error"]["Code"] == "OutboundWebIdentityFederationDisabledException"
        assert off.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert root_iam.get_outbound_web_identity_federation_info()["JwtVendingEnabled"] is False
        with pytest.raises(ClientError) as twice:
            root_iam.disable_outbound_web_identity_federation()
        assert twice.value.response["Error"]["Code"] == "FeatureDisabled"
        assert twice.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    finally:
        root_iam.enable_outbound_web_identity_federation()
