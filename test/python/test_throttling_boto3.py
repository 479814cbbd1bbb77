"""boto3 over iamd's per-key rate limit: its standard retry mode backs off on Throttling and every
call succeeds. Run by test/throttling.test.ts against an iamd with a limit; skipped otherwise."""
import os
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config

ENDPOINT = os.environ.get("IAMD_TEST_THROTTLED_ENDPOINT")


@pytest.mark.skipif(not ENDPOINT, reason="needs an iamd with IAMD_RATE_LIMIT_PER_KEY (test/throttling.test.ts)")
def test_standard_retry_mode_rides_out_throttling():
    # More attempts than standard mode's default 3: its jittered backoff may be short.
    sts = boto3.client(
        "sts",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=os.environ["IAMD_TEST_ROOT_KEY"],
        aws_secret_access_key=os.environ["IAMD_TEST_ROOT_SECRET"],
        config=Config(retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=6),
    )
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(lambda _: sts.get_caller_identity(), range(6)))
    assert all(r["ResponseMetadata"]["HTTPStatusCode"] == 200 for r in replies)
    assert all(r["Account"] == "111122223333" for r in replies)
    # Six at once against a bucket of one: some were throttled first and retried.
    assert any(r["ResponseMetadata"]["RetryAttempts"] > 0 for r in replies)
