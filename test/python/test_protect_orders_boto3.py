"""boto3 calling a service protected by iamd (issue #13): the orders example behind @iamd/middleware.

Run by test/protect-e2e.test.ts, which starts iamd and the orders service (Express and Fastify) and
passes their URLs; skipped when run without them (test/python-clients.test.ts runs this folder too).
Requests are signed the way a boto3 user signs for a service boto3 does not know: botocore's
SigV4Auth with the service name `orders` on an AWSRequest, sent with urllib3 (botocore's own HTTP
library, so nothing beyond boto3 is needed).
"""
import json
import os

import boto3
import botocore.session
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ORDERS = os.environ.get("IAMD_TEST_ORDERS_URL")
ORDERS_FASTIFY = os.environ.get("IAMD_TEST_ORDERS_FASTIFY_URL")
ACCOUNT = os.environ.get("IAMD_TEST_ACCOUNT_ID", "111122223333")
REGION = "us-east-1"

pytestmark = pytest.mark.skipif(not ORDERS, reason="needs the orders service that test/protect-e2e.test.ts starts")


_http = urllib3.PoolManager(retries=False, timeout=10)


class Response:
    """What the tests read of an answer: status, headers and the JSON body."""

    def __init__(self, raw):
        self.status_code = raw.status
        self.headers = raw.headers
        self.text = raw.data.decode("utf-8")

    def json(self):
        return json.loads(self.text)


def send(method, url, headers=None, data=None):
    return Response(_http.request(method, url, headers=headers or {}, body=data, redirect=False))


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def order_arn(order_id):
    return f"arn:aws:orders:{REGION}:{ACCOUNT}:order/{order_id}"


def call(credentials, method, url, body=None):
    """Signs with SigV4 for `orders` (botocore adds X-Amz-Date, and X-Amz-Security-Token for a session) and sends it."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(credentials, "orders", REGION).add_auth(request)
    prepared = request.prepare()
    return send(method, prepared.url, headers=dict(prepared.headers), data=body)


def new_user(root_iam, name, *statements):
    root_iam.create_user(UserName=name)
    if statements:
        root_iam.put_user_policy(UserName=name, PolicyName="orders", PolicyDocument=policy(*statements))
    key = root_iam.create_access_key(UserName=name)["AccessKey"]
    return key


@pytest.fixture(scope="module")
def reader():
    # Module-scoped: created once with its own root client (the root_iam fixture is per test).
    iam = boto3.client(
        "iam",
        endpoint_url=os.environ["IAMD_TEST_ENDPOINT"],
        region_name=REGION,
        aws_access_key_id=os.environ["IAMD_TEST_ROOT_KEY"],
        aws_secret_access_key=os.environ["IAMD_TEST_ROOT_SECRET"],
    )
    key = new_user(
        iam,
        "py-orders-reader",
        {"Effect": "Allow", "Action": ["orders:ListOrders", "orders:GetOrder"], "Resource": "*"},
        {"Effect": "Deny", "Action": "orders:GetOrder", "Resource": order_arn("2")},
    )
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


@pytest.mark.parametrize("base", [ORDERS, ORDERS_FASTIFY], ids=["express", "fastify"])
def test_sigv4auth_allowed_and_explicit_deny(reader, base):
    listed = call(reader, "GET", f"{base}/orders")
    assert listed.status_code == 200, listed.text
    assert any(o["OrderId"] == "1" for o in listed.json()["Orders"])
    assert call(reader, "GET", f"{base}/orders/1").json()["Order"]["OrderId"] == "1"

    denied = call(reader, "GET", f"{base}/orders/2")
    assert denied.status_code == 403
    assert denied.headers["x-amzn-ErrorType"] == "AccessDenied"
    assert denied.json() == {
        "__type": "AccessDenied",
        "message": f"User: arn:aws:iam::{ACCOUNT}:user/py-orders-reader is not authorized to perform: orders:GetOrder "
        f"on resource: {order_arn('2')} with an explicit deny in an identity-based policy",
    }


def test_without_permission_403_with_the_reason(root_iam, reader):
    denied = call(reader, "POST", f"{ORDERS}/orders", json.dumps({"Item": "pen", "Amount": 2}))
    assert denied.status_code == 403
    assert denied.json()["message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/py-orders-reader is not authorized to perform: orders:CreateOrder "
        "because no identity-based policy allows the orders:CreateOrder action"
    )


@pytest.mark.parametrize("base", [ORDERS, ORDERS_FASTIFY], ids=["express", "fastify"])
def test_tampered_requests_are_401(reader, base):
    # A body changed after signing: the middleware hashes the body it received.
    body = json.dumps({"Item": "pen", "Amount": 2})
    request = AWSRequest(method="POST", url=f"{base}/orders", data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(reader, "orders", REGION).add_auth(request)
    headers = dict(request.prepare().headers)
    changed = send("POST", f"{base}/orders", headers=headers, data=body.replace("2", "3"))
    assert changed.status_code == 401
    assert changed.headers["WWW-Authenticate"] == "AWS4-HMAC-SHA256"
    assert changed.json()["__type"] == "SignatureDoesNotMatch"

    # A secret that is not the key's.
    wrong = Credentials(reader.access_key, "not-the-secret")
    refused = call(wrong, "GET", f"{base}/orders/1")
    assert refused.status_code == 401
    assert refused.json()["__type"] == "SignatureDoesNotMatch"

    # A request dated outside the 15-minute window (its X-Amz-Date rewritten after signing).
    request = AWSRequest(method="GET", url=f"{base}/orders/1")
    SigV4Auth(reader, "orders", REGION).add_auth(request)
    headers = dict(request.prepare().headers)
    headers["X-Amz-Date"] = "20200101T000000Z"
    stale = send("GET", f"{base}/orders/1", headers=headers)
    assert stale.status_code == 401
    assert stale.json()["__type"] == "SignatureDoesNotMatch"
    assert stale.json()["message"].startswith("Signature expired: 20200101T000000Z is now earlier than")


def test_role_arn_profile_boto3_assumes_the_role_itself(root_iam, tmp_path, monkeypatch):
    source = new_user(root_iam, "py-orders-source", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/py-orders-source"}, "Action": "sts:AssumeRole"})
    root_iam.create_role(RoleName="py-orders-operator", AssumeRolePolicyDocument=trust)
    root_iam.put_role_policy(
        RoleName="py-orders-operator",
        PolicyName="cancel",
        PolicyDocument=policy({"Effect": "Allow", "Action": ["orders:CreateOrder", "orders:CancelOrder"], "Resource": "*"}),
    )
    endpoint = os.environ["IAMD_TEST_ENDPOINT"]
    config = tmp_path / "config"
    config.write_text(
        "\n".join(
            [
                "[profile py-source]",
                f"aws_access_key_id = {source['AccessKeyId']}",
                f"aws_secret_access_key = {source['SecretAccessKey']}",
                f"region = {REGION}",
                f"endpoint_url = {endpoint}",
                "",
                "[profile py-operator]",
                f"role_arn = arn:aws:iam::{ACCOUNT}:role/py-orders-operator",
                "source_profile = py-source",
                "role_session_name = py-operator-session",
                f"region = {REGION}",
                f"endpoint_url = {endpoint}",
                "",
            ]
        )
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)

    session = boto3.Session(botocore_session=botocore.session.Session(profile="py-operator"))
    credentials = session.get_credentials().get_frozen_credentials()  # boto3 calls AssumeRole itself
    assert credentials.access_key.startswith("ASIA") and credentials.token

    created = call(credentials, "POST", f"{ORDERS}/orders", json.dumps({"Item": "kettle", "Amount": 40}))
    assert created.status_code == 201, created.text
    order = created.json()["Order"]
    assert order["CreatedBy"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/py-orders-operator/py-operator-session"
    cancelled = call(credentials, "POST", f"{ORDERS}/orders/{order['OrderId']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["Order"]["Status"] == "Cancelled"

    denied = call(credentials, "GET", f"{ORDERS}/orders/{order['OrderId']}")
    assert denied.status_code == 403
    assert denied.json()["message"].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/py-orders-operator/py-operator-session is not authorized to perform: orders:GetOrder"
    )
