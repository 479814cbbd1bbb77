"""Account-level operations with boto3: service-specific credentials, STS preferences, and the
Organizations, delegation and AssumeRoot operations an account outside an organization is refused."""
import base64
import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"
TASK = {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}
REQUEST_ID = "dr-py0123456789abcdef"


def error(call):
    with pytest.raises(ClientError) as err:
        call()
    response = err.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def user_with_key(root_iam, make_client, name, *statements):
    root_iam.create_user(UserName=name)
    if statements:
        root_iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    key = root_iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_service_specific_credentials(root_iam):
    root_iam.create_user(UserName="py-al-sofia")
    created = root_iam.create_service_specific_credential(UserName="py-al-sofia", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    cred_id = created["ServiceSpecificCredentialId"]
    assert cred_id.startswith("ACCA") and len(cred_id) == 21
    assert created["ServiceUserName"] == f"py-al-sofia-at-{ACCOUNT}"
    assert created["Status"] == "Active" and created["UserName"] == "py-al-sofia"
    assert len(created["ServicePassword"]) == 60 and len(base64.b64decode(created["ServicePassword"])) == 44
    second = root_iam.create_service_specific_credential(UserName="py-al-sofia", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    assert second["ServiceUserName"] == f"py-al-sofia+1-at-{ACCOUNT}"
    assert error(lambda: root_iam.create_service_specific_credential(UserName="py-al-sofia", ServiceName="codecommit.amazonaws.com")) == (
        "LimitExceeded", 409, "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")

    listed = root_iam.list_service_specific_credentials(UserName="py-al-sofia", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredentials"]
    assert {c["ServiceSpecificCredentialId"] for c in listed} == {cred_id, second["ServiceSpecificCredentialId"]}
    assert all("ServicePassword" not in c for c in listed)
    assert root_iam.list_service_specific_credentials(UserName="py-al-sofia", ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredentials"] == []

    root_iam.update_service_specific_credential(UserName="py-al-sofia", ServiceSpecificCredentialId=cred_id, Status="Inactive")
    statuses = {c["ServiceSpecificCredentialId"]: c["Status"] for c in root_iam.list_service_specific_credentials(UserName="py-al-sofia")["ServiceSpecificCredentials"]}
    assert statuses[cred_id] == "Inactive"
    reset = root_iam.reset_service_specific_credential(UserName="py-al-sofia", ServiceSpecificCredentialId=cred_id)["ServiceSpecificCredential"]
    assert reset["ServicePassword"] != created["ServicePassword"] and reset["ServiceSpecificCredentialId"] == cred_id
    root_iam.delete_service_specific_credential(UserName="py-al-sofia", ServiceSpecificCredentialId=cred_id)
    assert error(lambda: root_iam.delete_service_specific_credential(UserName="py-al-sofia", ServiceSpecificCredentialId=cred_id)) == (
        "NoSuchEntity", 404, f"No such credential {cred_id} exists")

    assert error(lambda: root_iam.create_service_specific_credential(UserName="py-al-nobody", ServiceName="codecommit.amazonaws.com")) == (
        "NoSuchEntity", 404, "The user with name py-al-nobody cannot be found.")
    assert error(lambda: root_iam.create_service_specific_credential(UserName="py-al-sofia", ServiceName="lambda.amazonaws.com")) == (
        "NoSuchEntity", 404, "No such service lambda.amazonaws.com is supported for Service Specific Credentials")
    assert error(lambda: root_iam.update_service_specific_credential(ServiceSpecificCredentialId=second["ServiceSpecificCredentialId"], Status="Inactive")) == (
        "ValidationError", 400, "Must specify userName when calling with non-User credentials")


def test_bedrock_api_key(root_iam):
    root_iam.create_user(UserName="py-al-bedrock")
    key = root_iam.create_service_specific_credential(UserName="py-al-bedrock", ServiceName="bedrock.amazonaws.com", CredentialAgeDays=30)["ServiceSpecificCredential"]
    assert key["ServiceCredentialAlias"] == f"py-al-bedrock-at-{ACCOUNT}"
    assert base64.b64decode(key["ServiceCredentialSecret"][4:]).decode().startswith(f"py-al-bedrock-at-{ACCOUNT}:")
    assert key["ServiceCredentialSecret"].startswith("ABSK") and "ServicePassword" not in key
    assert (key["ExpirationDate"] - key["CreateDate"]).days == 30
    code, status, _ = error(lambda: root_iam.create_service_specific_credential(UserName="py-al-bedrock", ServiceName="codecommit.amazonaws.com", CredentialAgeDays=30))
    assert (code, status) == ("InvalidInput", 400)


def test_a_user_without_permission_is_denied(root_iam, make_client):
    key_id, secret = user_with_key(root_iam, make_client, "py-al-nobody-allowed")
    iam = make_client("iam", key_id, secret)
    sts = make_client("sts", key_id, secret)
    for call in [
        lambda: iam.create_service_specific_credential(UserName="py-al-nobody-allowed", ServiceName="codecommit.amazonaws.com"),
        lambda: iam.list_service_specific_credentials(),
        lambda: iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token"),
        lambda: iam.list_organizations_features(),
        lambda: iam.enable_organizations_root_sessions(),
        lambda: iam.list_delegation_requests(),
        lambda: iam.get_delegation_request(DelegationRequestId=REQUEST_ID),
        lambda: sts.assume_root(TargetPrincipal="444455556666", TaskPolicyArn=TASK),
        lambda: sts.get_delegated_access_token(TradeInToken="token"),
    ]:
        code, status, _ = error(call)
        assert (code, status) == ("AccessDenied", 403)


def test_sts_preferences(root_iam):
    root_iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert root_iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2
    root_iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert root_iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1


def test_organizations_and_delegation(root_iam, make_client):
    for call in [root_iam.list_organizations_features, root_iam.enable_organizations_root_credentials_management,
                 root_iam.disable_organizations_root_credentials_management, root_iam.enable_organizations_root_sessions,
                 root_iam.disable_organizations_root_sessions]:
        assert error(call) == ("OrganizationNotFoundException", 400, "The request was rejected because no organization is associated with your account.")
    listed = root_iam.list_delegation_requests()
    assert listed["DelegationRequests"] == [] and listed["isTruncated"] is False
    not_found = ("NoSuchEntity", 404, f"The delegation request with id {REQUEST_ID} cannot be found.")
    assert error(lambda: root_iam.get_delegation_request(DelegationRequestId=REQUEST_ID)) == not_found
    assert error(lambda: root_iam.accept_delegation_request(DelegationRequestId=REQUEST_ID)) == not_found
    assert error(lambda: root_iam.send_delegation_token(DelegationRequestId=REQUEST_ID)) == not_found
    assert error(lambda: root_iam.get_human_readable_summary(EntityArn=f"arn:aws:iam::{ACCOUNT}:delegation-request/{REQUEST_ID}")) == not_found
    code, status, message = error(lambda: root_iam.create_delegation_request(
        Description="d", Permissions={"PolicyTemplateArn": f"arn:aws:iam::{ACCOUNT}:policy/py-template"}, RequestorWorkflowId="wf-py-1", NotificationChannel=f"arn:aws:sns:us-east-1:{ACCOUNT}:t", SessionDuration=900))
    assert (code, status) == ("AccessDenied", 403) and "not an onboarded delegation partner" in message

    key_id, secret = user_with_key(root_iam, make_client, "py-al-root-admin", {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": "*"})
    sts = make_client("sts", key_id, secret)
    assert error(lambda: sts.assume_root(TargetPrincipal="444455556666", TaskPolicyArn=TASK)) == (
        "AccessDenied", 403, f"User: arn:aws:iam::{ACCOUNT}:user/py-al-root-admin is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::444455556666:root")
    code, status, _ = error(lambda: make_client("sts", key_id, secret).get_delegated_access_token(TradeInToken="token"))
    assert (code, status) == ("AccessDenied", 403)
