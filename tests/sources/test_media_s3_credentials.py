"""S3 credentials per source and for the S3 cache tier: key references, a profile, a role
to assume; against moto with IAM enforced, while the standard chain holds a useless key."""

from __future__ import annotations

import json

import httpx
import pytest

from app.service import create_app
from app.settings import ConfigError, load_settings
from tests import imagegen
from tests.s3server import admin_client, iam_enforced, use_test_credentials
from tests.servers import serve_signet

BUCKET = "other-account"
CACHE = "other-cache"


def policy(*actions: str, resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": resource}]})


@pytest.fixture(scope="module")
def moto(moto):
    """conftest's moto, with what these tests need in it."""
    s3 = admin_client(moto)
    for bucket in (BUCKET, CACHE):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=BUCKET, Key="dog.jpg", Body=imagegen.jpeg(120, 80))
    iam = admin_client(moto, "iam")
    keys = {}
    for user, allowed in [("reader", policy("s3:*")), ("assumer", policy("sts:AssumeRole")),
                          ("nothing", None)]:
        iam.create_user(UserName=user)
        if allowed:
            iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=allowed)
        keys[user] = iam.create_access_key(UserName=user)["AccessKey"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName="media", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName="media", PolicyName="p", PolicyDocument=policy("s3:*"))
    return moto, keys, role["Arn"]


@pytest.fixture
def env(monkeypatch, tmp_path, moto):
    """The standard chain sees only the `nothing` user's key, which may do nothing."""
    endpoint, keys, _ = moto
    use_test_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys["nothing"]["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys["nothing"]["SecretAccessKey"])
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", endpoint)
    return monkeypatch


def source(endpoint: str, **credentials) -> dict:
    return {"name": "s", "type": "s3", "bucket": BUCKET, "endpoint_url": endpoint,
            "region": "us-east-1", **credentials}


def get_dog(settings_source: dict, **cache) -> httpx.Response:
    with serve_signet(sources=[settings_source], cache=cache or {"enabled": True}) as served:
        return httpx.get(served.base + "/s/dog.jpg?w=60")


def test_the_standard_chain_alone_is_refused(moto, env):
    with iam_enforced(moto[0]):
        assert get_dog(source(moto[0])).status_code == 502


def test_key_references(moto, env, tmp_path):
    endpoint, keys, _ = moto
    env.setenv("READER_ID", keys["reader"]["AccessKeyId"])
    (tmp_path / "secret").write_text(keys["reader"]["SecretAccessKey"] + "\n")
    creds = {"access_key_id": "env:READER_ID", "secret_access_key": f"file:{tmp_path}/secret"}
    with iam_enforced(endpoint):
        resp = get_dog(source(endpoint, **creds))
    assert resp.status_code == 200 and imagegen.open_bytes(resp.content).size == (60, 40)


def test_a_profile(moto, env, tmp_path):
    endpoint, keys, _ = moto
    (tmp_path / "config").write_text(
        "[profile media]\n"
        f"aws_access_key_id = {keys['reader']['AccessKeyId']}\n"
        f"aws_secret_access_key = {keys['reader']['SecretAccessKey']}\n"
    )
    env.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with iam_enforced(endpoint):
        assert get_dog(source(endpoint, profile="media")).status_code == 200


def test_a_role_to_assume(moto, env):
    endpoint, keys, role = moto
    env.setenv("ASSUMER_ID", keys["assumer"]["AccessKeyId"])
    env.setenv("ASSUMER_SECRET", keys["assumer"]["SecretAccessKey"])
    creds = {"access_key_id": "env:ASSUMER_ID", "secret_access_key": "env:ASSUMER_SECRET"}
    with iam_enforced(endpoint):
        assert get_dog(source(endpoint, **creds)).status_code == 502  # the user may not read
        assert get_dog(source(endpoint, role_arn=role, **creds)).status_code == 200


def test_the_cache_tier_takes_its_own_credentials(moto, env):
    endpoint, keys, _ = moto
    env.setenv("READER_ID", keys["reader"]["AccessKeyId"])
    env.setenv("READER_SECRET", keys["reader"]["SecretAccessKey"])
    creds = {"access_key_id": "env:READER_ID", "secret_access_key": "env:READER_SECRET"}
    cache = {"s3_bucket": CACHE, "s3_endpoint_url": endpoint, "s3_region": "us-east-1",
             "s3_access_key_id": "env:READER_ID", "s3_secret_access_key": "env:READER_SECRET"}
    with iam_enforced(endpoint):
        # the app's shutdown waits for the tier's background write
        assert get_dog(source(endpoint, **creds), **cache).status_code == 200
    assert admin_client(endpoint).list_objects_v2(Bucket=CACHE).get("KeyCount") == 1


@pytest.mark.parametrize("credentials, words", [
    ({"access_key_id": "AKIAINLINEVALUE00000", "secret_access_key": "env:X"}, "reference"),
    ({"access_key_id": "env:X"}, "together"),
    ({"access_key_id": "env:X", "secret_access_key": "env:Y", "profile": "p"}, "not both"),
])
def test_bad_credential_config_names_the_key_not_the_value(credentials, words):
    with pytest.raises(ConfigError) as err:
        load_settings(None, sources=[source("http://127.0.0.1:9", **credentials)])
    assert words in str(err.value) and "AKIAINLINEVALUE" not in str(err.value)


def test_an_unset_reference_fails_start_up_naming_it(env):
    settings = load_settings(None, sources=[source(
        "http://127.0.0.1:9", access_key_id="env:SIGNET_NO_SUCH", secret_access_key="env:X")])
    with pytest.raises(ConfigError) as err:
        create_app(settings)
    assert "sources[s].access_key_id" in str(err.value)
