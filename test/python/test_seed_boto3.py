"""The seed scenario with boto3: admin user, access key, generated console password, group."""
import pytest
from botocore.exceptions import ClientError


def test_seed_scenario(root_iam, make_client):
    user = root_iam.create_user(UserName="admin")["User"]
    assert user["Arn"].endswith(":user/admin")
    key = root_iam.create_access_key(UserName="admin")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    root_iam.create_login_profile(UserName="admin", Password="Gener4ted-Passw0rd!", PasswordResetRequired=True)
    root_iam.create_group(GroupName="Administrators")
    root_iam.add_user_to_group(GroupName="Administrators", UserName="admin")

    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    me = sts.get_caller_identity()
    assert me["Arn"] == user["Arn"]
    assert me["UserId"] == user["UserId"]

    admin_iam = make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as denied:
        admin_iam.get_user()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "because no identity-based policy allows the iam:GetUser action" in denied.value.response["Error"]["Message"]

    listed = root_iam.list_access_keys(UserName="admin")
    assert key["SecretAccessKey"] not in repr(listed)
    assert [g["GroupName"] for g in root_iam.list_groups_for_user(UserName="admin")["Groups"]] == ["Administrators"]


def test_errors_change_nothing(root_iam):
    root_iam.create_user(UserName="Zoe")
    for call, code in [
        (lambda: root_iam.create_user(UserName="zoe"), "EntityAlreadyExists"),
        (lambda: root_iam.get_user(UserName="nobody"), "NoSuchEntity"),
        (lambda: root_iam.create_user(UserName="bad name!"), "ValidationError"),
    ]:
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == code
    names = [u["UserName"] for u in root_iam.list_users()["Users"]]
    assert names.count("Zoe") == 1


def test_paginator_walks_every_user(root_iam):
    for i in range(7):
        root_iam.create_user(UserName=f"pager-{i}", Path="/pager/")
    pages = root_iam.get_paginator("list_users").paginate(PathPrefix="/pager/", PaginationConfig={"PageSize": 3})
    names = [u["UserName"] for page in pages for u in page["Users"]]
    assert names == [f"pager-{i}" for i in range(7)]
