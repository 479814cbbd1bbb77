"""Shared fixtures: boto3 clients for the iamd that test/python-clients.test.ts started."""
import os

import boto3
import pytest


@pytest.fixture
def endpoint():
    return os.environ["IAMD_TEST_ENDPOINT"]


def client(service, endpoint, key_id, secret, token=None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


@pytest.fixture
def root_iam(endpoint):
    return client("iam", endpoint, os.environ["IAMD_TEST_ROOT_KEY"], os.environ["IAMD_TEST_ROOT_SECRET"])


@pytest.fixture
def make_client(endpoint):
    return lambda service, key_id, secret, token=None: client(service, endpoint, key_id, secret, token)
