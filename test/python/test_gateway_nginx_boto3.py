"""boto3 calling the orders example behind a real nginx whose auth_request asks iamd (issue #13).

Run by test/gateway-nginx.test.ts, which starts iamd, the orders service in gateway mode and nginx
with examples/nginx/orders.conf, and passes their URL and the callers' keys; skipped when run
without them (test/python-clients.test.ts runs this folder too).

nginx does not pass the body to iamd, so a request with a body must carry its SHA-256 in a signed
x-amz-content-sha256 header. botocore's SigV4Auth hashes the body into the signature but does not
send that header: set it before signing, and SigV4Auth signs it (it signs every header present).
"""
import hashlib
import json
import os

import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NGINX = os.environ.get("IAMD_TEST_NGINX_URL")
ACCOUNT = os.environ.get("IAMD_TEST_ACCOUNT_ID", "111122223333")
REGION = "us-east-1"

pytestmark = pytest.mark.skipif(not NGINX, reason="needs the nginx that test/gateway-nginx.test.ts starts")

_http = urllib3.PoolManager(retries=False, timeout=10)


def credentials(prefix):
    return Credentials(os.environ[f"IAMD_TEST_{prefix}_KEY"], os.environ[f"IAMD_TEST_{prefix}_SECRET"])


def call(creds, method, path, body=None, content_sha256=True):
    """Signs for `orders` with SigV4Auth; with a body, x-amz-content-sha256 is set first so that it is signed and sent."""
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
        if content_sha256:
            headers["X-Amz-Content-SHA256"] = hashlib.sha256(body.encode("utf-8")).hexdigest()
    request = AWSRequest(method=method, url=f"{NGINX}{path}", data=body, headers=headers)
    SigV4Auth(creds, "orders", REGION).add_auth(request)
    prepared = request.prepare()
    return _http.request(method, prepared.url, headers=dict(prepared.headers), body=body, redirect=False)


def test_allowed_through_nginx():
    alice = credentials("ALICE")
    got = call(alice, "GET", "/orders/1")
    assert got.status == 200, got.data
    assert json.loads(got.data)["Order"]["OrderId"] == "1"

    created = call(alice, "POST", "/orders", json.dumps({"Item": "boto3 pen", "Amount": 3}))
    assert created.status == 201, created.data
    assert json.loads(created.data)["Order"]["CreatedBy"] == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_denied_403_with_the_reason():
    denied = call(credentials("MALLORY"), "GET", "/orders/1")
    assert denied.status == 403
    assert denied.headers["x-amzn-ErrorType"] == "AccessDenied"
    assert json.loads(denied.data) == {
        "__type": "AccessDenied",
        "message": f"User: arn:aws:iam::{ACCOUNT}:user/mallory is not authorized to perform: orders:GetOrder "
        f"on resource: arn:aws:orders:{REGION}:{ACCOUNT}:order/1 because no identity-based policy allows the orders:GetOrder action",
    }


def test_a_body_without_x_amz_content_sha256_is_refused_by_the_gateway():
    # botocore's default: the body's hash is in the signature only, which the gateway cannot check.
    refused = call(credentials("ALICE"), "POST", "/orders", json.dumps({"Item": "pen", "Amount": 1}), content_sha256=False)
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"] == "AWS4-HMAC-SHA256"
    assert json.loads(refused.data) == {"__type": "InvalidRequest", "message": "Missing required header for this request: x-amz-content-sha256"}


def test_not_authentic_401():
    wrong = Credentials(credentials("ALICE").access_key, "not-the-secret")
    refused = call(wrong, "GET", "/orders/1")
    assert refused.status == 401
    assert json.loads(refused.data)["__type"] == "SignatureDoesNotMatch"

    # The body changed after signing: the gateway sees only the signed hash, the upstream the body.
    body = json.dumps({"Item": "pen", "Amount": 2})
    request = AWSRequest(
        method="POST",
        url=f"{NGINX}/orders",
        data=body,
        headers={"Content-Type": "application/json", "X-Amz-Content-SHA256": hashlib.sha256(body.encode()).hexdigest()},
    )
    SigV4Auth(credentials("ALICE"), "orders", REGION).add_auth(request)
    changed = _http.request("POST", f"{NGINX}/orders", headers=dict(request.prepare().headers), body=body.replace("2", "9"))
    assert changed.status == 401
    assert json.loads(changed.data)["__type"] == "XAmzContentSHA256Mismatch"
