"""The seed scenario continued with boto3: policies on a group, read-only users, explicit denies,
permissions boundaries, documents as boto3 decodes them, and the policy simulator."""
import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def new_user(root_iam, make_client, name):
    root_iam.create_user(UserName=name)
    key = root_iam.create_access_key(UserName=name)["AccessKey"]
    return make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def denied(call):
    with pytest.raises(ClientError) as err:
        call()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    return err.value.response["Error"]["Message"]


def test_policies_seed_continued(root_iam, make_client):
    admin = new_user(root_iam, make_client, "py-admin")
    root_iam.create_group(GroupName="PyAdministrators")
    root_iam.add_user_to_group(GroupName="PyAdministrators", UserName="py-admin")
    denied(lambda: admin.create_user(UserName="py-bob"))

    root_iam.attach_group_policy(GroupName="PyAdministrators", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin.create_user(UserName="py-bob")["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/py-bob"
    admin.create_group(GroupName="PyDevelopers")
    attached = root_iam.list_attached_group_policies(GroupName="PyAdministrators")["AttachedPolicies"]
    assert attached == [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]

    reader = new_user(root_iam, make_client, "py-reader")
    root_iam.attach_user_policy(UserName="py-reader", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert any(u["UserName"] == "py-admin" for u in reader.list_users()["Users"])
    assert denied(lambda: reader.create_user(UserName="alice")) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/py-reader is not authorized to perform: iam:CreateUser "
        f"on resource: arn:aws:iam::{ACCOUNT}:user/alice because no identity-based policy allows the iam:CreateUser action"
    )

    # An inline explicit deny beats AdministratorAccess; boto3 hands documents back as dicts.
    deny = doc({"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"})
    root_iam.put_user_policy(UserName="py-admin", PolicyName="NoNewUsers", PolicyDocument=deny)
    assert root_iam.get_user_policy(UserName="py-admin", PolicyName="NoNewUsers")["PolicyDocument"] == json.loads(deny)
    assert denied(lambda: admin.create_user(UserName="py-carol")).endswith("with an explicit deny in an identity-based policy")
    root_iam.delete_user_policy(UserName="py-admin", PolicyName="NoNewUsers")

    # A permissions boundary of iam:Get* limits the administrator to reads.
    get_only = doc({"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"})
    boundary = root_iam.create_policy(PolicyName="PyGetOnly", PolicyDocument=get_only, Description="reads")["Policy"]
    assert boundary["DefaultVersionId"] == "v1" and boundary["PolicyId"].startswith("ANPA")
    version = root_iam.get_policy_version(PolicyArn=boundary["Arn"], VersionId="v1")["PolicyVersion"]
    assert version["Document"] == json.loads(get_only)
    root_iam.put_user_permissions_boundary(UserName="py-admin", PermissionsBoundary=boundary["Arn"])
    assert admin.get_user(UserName="py-bob")["User"]["UserName"] == "py-bob"
    assert denied(lambda: admin.create_user(UserName="py-carol")).endswith("because no permissions boundary allows the iam:CreateUser action")
    sim = root_iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/py-admin", ActionNames=["iam:CreateUser", "iam:GetUser"]
    )["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in sim] == [("iam:CreateUser", "implicitDeny"), ("iam:GetUser", "allowed")]
    with pytest.raises(ClientError) as busy:
        root_iam.delete_policy(PolicyArn=boundary["Arn"])
    assert busy.value.response["Error"]["Code"] == "DeleteConflict"
    root_iam.delete_user_permissions_boundary(UserName="py-admin")
    admin.create_user(UserName="py-carol")

    # Leaving the group takes effect on the very next call.
    root_iam.remove_user_from_group(GroupName="PyAdministrators", UserName="py-admin")
    denied(lambda: admin.list_users())


def test_policy_versions_and_errors(root_iam):
    arn = root_iam.create_policy(PolicyName="PyVersioned", PolicyDocument=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))["Policy"]["Arn"]
    for _ in range(4):
        root_iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}), SetAsDefault=True)
    with pytest.raises(ClientError) as limit:
        root_iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}))
    assert limit.value.response["Error"]["Code"] == "LimitExceeded"
    versions = root_iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in versions] == [True, False, False, False, False]
    with pytest.raises(ClientError) as malformed:
        root_iam.create_policy(PolicyName="PyBad", PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Perhaps", "Action": "*", "Resource": "*"}]}')
    assert malformed.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    with pytest.raises(ClientError):
        root_iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/PyBad")


def test_simulate_custom_policy(root_iam):
    policy = doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:username": "py-admin"}}},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    )
    results = root_iam.simulate_custom_policy(
        PolicyInputList=[policy],
        ActionNames=["s3:GetObject", "s3:DeleteBucket", "ec2:RunInstances"],
        ResourceArns=["arn:aws:s3:::bucket/key"],
        ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["py-admin"], "ContextKeyType": "string"}],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "explicitDeny", "implicitDeny"]
    assert results[0]["EvalResourceName"] == "arn:aws:s3:::bucket/key"
    assert results[0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    missing = root_iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"])["EvaluationResults"][0]
    assert missing["EvalDecision"] == "implicitDeny"
    assert missing["MissingContextValues"] == ["aws:username"]
    keys = root_iam.get_context_keys_for_custom_policy(PolicyInputList=[policy])["ContextKeyNames"]
    assert keys == ["aws:username"]
