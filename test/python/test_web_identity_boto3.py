"""AssumeRoleWithWebIdentity with boto3: its web identity credential provider, configured only by the
environment (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ENDPOINT_URL_STS) as in an EKS pod, and
the operation called directly. The issuer is one this test makes up: an RSA key it generates, whose
public half it gives the IAM OIDC provider with iamd's PutOpenIDConnectProviderKeys (signed JSON)."""
import base64
import json
import os
import time
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ACCOUNT = "111122223333"
ISSUER = "https://oidc.py-cluster.example.com/id/PYEXAMPLE0001"
PROVIDER = "oidc.py-cluster.example.com/id/PYEXAMPLE0001"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def sign(key, kid: str, claims: dict) -> str:
    header = b64url(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{b64url(signature)}"


def service_account_token(key, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": ["sts.amazonaws.com"],
        "sub": "system:serviceaccount:analytics:reporter",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "kubernetes.io": {"namespace": "analytics", "serviceaccount": {"name": "reporter", "uid": "0d1f6c3e-0000-4000-8000-000000000001"}},
    }
    claims.update(overrides)
    return sign(key, "py-key-1", claims)


def put_provider_keys(endpoint: str, arn: str, jwks: dict) -> dict:
    """iamd extension: PUT /iamd/oidc-providers/keys, signed with Signature V4 for `iam` as the CLI does."""
    body = json.dumps({"OpenIDConnectProviderArn": arn, "Jwks": json.dumps(jwks)})
    request = AWSRequest(method="PUT", url=f"{endpoint}/iamd/oidc-providers/keys", data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(os.environ["IAMD_TEST_ROOT_KEY"], os.environ["IAMD_TEST_ROOT_SECRET"]), "iam", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, data=body.encode(), method="PUT", headers=dict(request.headers.items()))
    with urllib.request.urlopen(prepared) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def issuer_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def irsa_role(root_iam, endpoint, issuer_key):
    """The provider (keys given) and a role trusting one service account of it; made by whichever test runs first."""
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}"
    if not any(p["Arn"] == arn for p in root_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]):
        created = root_iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"])
        assert created["OpenIDConnectProviderArn"] == arn
    numbers = issuer_key.public_key().public_numbers()
    given = put_provider_keys(endpoint, arn, {"keys": [{"kty": "RSA", "kid": "py-key-1", "alg": "RS256", "use": "sig", "n": uint(numbers.n), "e": uint(numbers.e)}]})
    assert given["KeyIds"] == ["py-key-1"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{PROVIDER}:aud": "sts.amazonaws.com", f"{PROVIDER}:sub": "system:serviceaccount:analytics:reporter"}},
            }
        ],
    }
    try:
        root_iam.create_role(RoleName="py-irsa-reporter", AssumeRolePolicyDocument=json.dumps(trust))
    except ClientError as exists:
        assert exists.response["Error"]["Code"] == "EntityAlreadyExists"
    root_iam.put_role_policy(
        RoleName="py-irsa-reporter",
        PolicyName="list",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}),
    )
    return f"arn:aws:iam::{ACCOUNT}:role/py-irsa-reporter"


def test_boto3_web_identity_provider_from_the_environment(irsa_role, issuer_key, endpoint, monkeypatch, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(service_account_token(issuer_key))
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", irsa_role)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "py-reporter")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)

    session = boto3.Session()
    assert session.get_credentials().method == "assume-role-with-web-identity"
    me = session.client("sts").get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/py-irsa-reporter/py-reporter"
    assert any(r["RoleName"] == "py-irsa-reporter" for r in session.client("iam").list_roles()["Roles"])
    with pytest.raises(ClientError) as denied:
        session.client("iam").list_users()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_boto3_assume_role_with_web_identity_call_and_errors(irsa_role, issuer_key, endpoint):
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="unused", aws_secret_access_key="unused")
    role = irsa_role
    out = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="py-direct", WebIdentityToken=service_account_token(issuer_key), DurationSeconds=900)
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert out["SubjectFromWebIdentityToken"] == "system:serviceaccount:analytics:reporter"
    assert out["Provider"] == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER}"
    assert out["Audience"] == "sts.amazonaws.com"

    now = int(time.time())
    for token, code, message in [
        (service_account_token(issuer_key, aud="kubernetes.default.svc"), "InvalidIdentityToken", "Incorrect token audience"),
        (service_account_token(issuer_key, exp=now - 600, iat=now - 4200, nbf=now - 4200), "ExpiredTokenException", "Token expired: current date/time "),
        (service_account_token(issuer_key, sub="system:serviceaccount:analytics:intruder"), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
        (service_account_token(issuer_key, iss="https://kubernetes.default.svc"), "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://kubernetes.default.svc"),
    ]:
        with pytest.raises(ClientError) as err:
            sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="py-direct", WebIdentityToken=token)
        assert err.value.response["Error"]["Code"] == code
        assert err.value.response["Error"]["Message"].startswith(message)
