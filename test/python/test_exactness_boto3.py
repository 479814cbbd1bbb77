"""Wire shapes as boto3 parses AWS's answers: members present or absent, empty lists and maps,
and error texts, where they differ between operations (see test/exactness.test.ts)."""
import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def error_of(call):
    with pytest.raises(ClientError) as err:
        call()
    r = err.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def test_role_members_per_response(root_iam):
    created = root_iam.create_role(RoleName="py-exact-role", AssumeRolePolicyDocument=TRUST, Description="d")["Role"]
    assert "MaxSessionDuration" not in created and "RoleLastUsed" not in created and "Description" not in created
    got = root_iam.get_role(RoleName="py-exact-role")["Role"]
    assert got["MaxSessionDuration"] == 3600 and got["RoleLastUsed"] == {} and got["Description"] == "d"
    assert "Tags" not in got
    # boto3 decodes the trust policy: the service principal is a single string, as AWS writes it.
    slr = root_iam.create_service_linked_role(AWSServiceName="elasticloadbalancing.amazonaws.com")["Role"]
    assert slr["RoleName"] == "AWSServiceRoleForElasticLoadBalancing"
    assert slr["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "elasticloadbalancing.amazonaws.com"}


def test_policy_members_and_errors(root_iam):
    policy = root_iam.create_policy(
        PolicyName="py-exact-policy",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
        Description="described",
    )["Policy"]
    assert "Description" not in policy and "Tags" not in policy
    got = root_iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert got["Tags"] == [] and got["Description"] == "described"
    assert error_of(lambda: root_iam.attach_role_policy(RoleName="py-exact-role", PolicyArn="longpolicynamebutnoarn")) == (
        "ValidationError",
        "Invalid ARN:  Could not be parsed!",
        400,
    )
    assert error_of(lambda: root_iam.create_role(RoleName="py-exact-bad", AssumeRolePolicyDocument="trust.json")) == (
        "MalformedPolicyDocument",
        "This policy contains invalid Json",
        400,
    )


def test_simulation_details_and_federation_token(root_iam, make_client):
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    named = root_iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::b/k"])["EvaluationResults"][0]
    assert named["EvalDecisionDetails"] == {}
    assert named["MatchedStatements"] == [
        {"SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "IAM Policy", "StartPosition": {"Line": 1, "Column": 41}, "EndPosition": {"Line": 1, "Column": 103}}
    ]
    assert named["ResourceSpecificResults"] == [{"EvalResourceName": "arn:aws:s3:::b/k", "EvalResourceDecision": "allowed", "MatchedStatements": named["MatchedStatements"]}]
    every = root_iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"])["EvaluationResults"][0]
    assert "EvalDecisionDetails" not in every and "ResourceSpecificResults" not in every

    root_iam.create_user(UserName="py-exact-federator")
    root_iam.put_user_policy(
        UserName="py-exact-federator",
        PolicyName="fed",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"}]}),
    )
    key = root_iam.create_access_key(UserName="py-exact-federator")["AccessKey"]
    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert sts.get_federation_token(Name="py-exact", DurationSeconds=900)["PackedPolicySize"] == 0
