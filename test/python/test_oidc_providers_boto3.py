"""IAM OIDC providers with boto3: a round trip through every operation, and AWS's error codes."""
import pytest
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"
URL = "https://py-oidc.example.com/tenant-1"
ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/py-oidc.example.com/tenant-1"
THUMB = "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280"


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]["HTTPStatusCode"], err.value.response["Error"]["Message"]


def test_oidc_provider_round_trip(root_iam):
    created = root_iam.create_open_id_connect_provider(
        Url=URL, ClientIDList=["sts.amazonaws.com"], ThumbprintList=[THUMB], Tags=[{"Key": "team", "Value": "py"}]
    )
    assert created["OpenIDConnectProviderArn"] == ARN
    assert created["Tags"] == [{"Key": "team", "Value": "py"}]
    assert {"Arn": ARN} in root_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]

    root_iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=ARN, ClientID="py-app")
    root_iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=ARN, ClientID="sts.amazonaws.com")
    root_iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=ARN, ThumbprintList=["b" * 40])
    root_iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=ARN, Tags=[{"Key": "env", "Value": "test"}])
    root_iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=ARN, TagKeys=["team"])
    got = root_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=ARN)
    assert got["Url"] == "py-oidc.example.com/tenant-1"
    assert got["ClientIDList"] == ["py-app"]
    assert got["ThumbprintList"] == ["b" * 40]
    assert got["Tags"] == [{"Key": "env", "Value": "test"}]
    assert got["CreateDate"].tzinfo is not None
    listed = root_iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=ARN)
    assert listed["Tags"] == [{"Key": "env", "Value": "test"}] and listed["IsTruncated"] is False

    assert error_of(root_iam.create_open_id_connect_provider, Url=URL) == (
        "EntityAlreadyExists", 409, f"Provider with url {URL} already exists.")
    assert error_of(root_iam.create_open_id_connect_provider, Url="https://py-oidc.example.com:8443")[:2] == ("ValidationError", 400)
    assert error_of(root_iam.create_open_id_connect_provider, Url="https://py-other.example.com", ThumbprintList=["c" * 40] * 6)[:2] == (
        "InvalidInput", 400)

    root_iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=ARN)
    assert error_of(root_iam.get_open_id_connect_provider, OpenIDConnectProviderArn=ARN) == (
        "NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {ARN}")
    assert {"Arn": ARN} not in root_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
