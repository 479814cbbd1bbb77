"""STS with boto3: a user assumes a role, the session does what the role allows and no more."""
import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_assume_role_flow(root_iam, make_client):
    root_iam.create_user(UserName="py-sts-alice")
    root_iam.create_user(UserName="py-sts-bob")
    alice = root_iam.create_access_key(UserName="py-sts-alice")["AccessKey"]
    bob = root_iam.create_access_key(UserName="py-sts-bob")["AccessKey"]
    trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/py-sts-alice"}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": "py-ext-1"}}})
    role = root_iam.create_role(RoleName="py-sts-reader", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)["Role"]
    # boto3 decodes the URL-encoded document back into a dict.
    assert root_iam.get_role(RoleName="py-sts-reader")["Role"]["AssumeRolePolicyDocument"] == json.loads(trust)
    root_iam.put_role_policy(RoleName="py-sts-reader", PolicyName="read", PolicyDocument=policy({"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}))

    sts = make_client("sts", alice["AccessKeyId"], alice["SecretAccessKey"])
    out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="py-session", ExternalId="py-ext-1", DurationSeconds=7200)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["SecretAccessKey"]) == 40
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/py-sts-reader/py-session"
    assert out["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:py-session"

    session_sts = make_client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    me = session_sts.get_caller_identity()
    assert me["Arn"] == out["AssumedRoleUser"]["Arn"] and me["Account"] == ACCOUNT
    session_iam = make_client("iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert any(u["UserName"] == "py-sts-bob" for u in session_iam.list_users()["Users"])
    with pytest.raises(ClientError) as denied:
        session_iam.create_user(UserName="py-sts-nope")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    # Without the session token the key is not valid.
    no_token = make_client("sts", creds["AccessKeyId"], creds["SecretAccessKey"])
    with pytest.raises(ClientError) as invalid:
        no_token.get_caller_identity()
    assert invalid.value.response["Error"]["Code"] == "InvalidClientTokenId"

    for who, kwargs, code in [
        (bob, {"ExternalId": "py-ext-1"}, "AccessDenied"),
        (alice, {"ExternalId": "wrong-ext"}, "AccessDenied"),
        (alice, {"ExternalId": "py-ext-1", "DurationSeconds": 10800}, "ValidationError"),
    ]:
        with pytest.raises(ClientError) as err:
            make_client("sts", who["AccessKeyId"], who["SecretAccessKey"]).assume_role(RoleArn=role["Arn"], RoleSessionName="py-x", **kwargs)
        assert err.value.response["Error"]["Code"] == code
    with pytest.raises(ClientError) as chained:
        session_sts.get_session_token()
    assert chained.value.response["Error"]["Message"] == "Cannot call GetSessionToken with session credentials"
