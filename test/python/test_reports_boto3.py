"""The credential report and a service last accessed report with boto3: generate until COMPLETE,
download, parse the CSV as AWS's readers do; a user's iam activity as get_service_last_accessed_details
shows it."""
import csv
import io

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"
COLUMNS = [
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
    "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
]


def test_credential_report_round_trip(root_iam, make_client):
    root_iam.create_user(UserName="py-report-user", Path="/reports/")
    key = root_iam.create_access_key(UserName="py-report-user")["AccessKey"]
    root_iam.create_login_profile(UserName="py-report-user", Password="Py-Rep0rt-Passw0rd!")
    make_client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()

    # Generate until COMPLETE, as AWS's documentation tells clients to.
    states = []
    for _ in range(3):
        states.append(root_iam.generate_credential_report()["State"])
        if states[-1] == "COMPLETE":
            break
    assert states[-1] == "COMPLETE" and set(states) <= {"STARTED", "COMPLETE"}

    report = root_iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    assert report["GeneratedTime"].tzinfo is not None
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode("utf-8"))))
    assert list(rows[0].keys()) == COLUMNS
    root = rows[0]
    assert root["user"] == "<root_account>"
    assert root["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert root["password_enabled"] == "not_supported"
    mine = next(r for r in rows if r["user"] == "py-report-user")
    assert mine["arn"] == f"arn:aws:iam::{ACCOUNT}:user/reports/py-report-user"
    assert mine["password_enabled"] == "true"
    assert mine["password_last_used"] == "no_information"
    assert mine["mfa_active"] == "false"
    assert mine["access_key_1_active"] == "true"
    assert mine["access_key_1_last_used_service"] == "sts"
    assert mine["access_key_1_last_used_region"] == "us-east-1"
    assert mine["access_key_1_last_used_date"].endswith("+00:00")
    assert mine["access_key_2_active"] == "false" and mine["access_key_2_last_rotated"] == "N/A"
    assert mine["cert_1_active"] == "false" and mine["cert_1_last_rotated"] == "N/A"


def test_service_last_accessed_with_boto3(root_iam, make_client):
    root_iam.create_user(UserName="py-advisor")
    root_iam.put_user_policy(
        UserName="py-advisor",
        PolicyName="iam-and-ec2",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","ec2:Describe*"],"Resource":"*"}]}',
    )
    key = root_iam.create_access_key(UserName="py-advisor")["AccessKey"]
    make_client("iam", key["AccessKeyId"], key["SecretAccessKey"]).list_groups()

    job = root_iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:user/py-advisor")["JobId"]
    details = root_iam.get_service_last_accessed_details(JobId=job)
    assert details["JobStatus"] == "COMPLETED"
    by_namespace = {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}
    assert sorted(by_namespace) == ["ec2", "iam"]
    assert by_namespace["iam"]["LastAuthenticatedEntity"] == f"arn:aws:iam::{ACCOUNT}:user/py-advisor"
    assert by_namespace["iam"]["TotalAuthenticatedEntities"] == 1
    assert "LastAuthenticated" in by_namespace["iam"]
    assert "LastAuthenticated" not in by_namespace["ec2"]

    with pytest.raises(ClientError) as err:
        root_iam.get_service_last_accessed_details(JobId="00000000-0000-4000-8000-000000000000")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
