"""Shared fixtures: a real S3 endpoint (moto server on 127.0.0.1) and a real local Ray.

The moto server starts before Ray so that Ray's worker processes inherit the S3 endpoint settings.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_DEV = SHARED / "data" / "real-dev"

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RAY_DEDUP_LOGS", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """A moto S3 server on 127.0.0.1 for the whole session; AWS_* env points at it (fake credentials)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-do-not-log",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    server.stop()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def s3_bucket(s3_server, request):
    import boto3

    import re
    import uuid

    slug = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower())[:30].strip("-")
    name = f"bkt-{slug}-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return f"s3://{name}"


@pytest.fixture(scope="session")
def ray_local(s3_server):
    """One local Ray (2 CPUs) for the session; jobs called inside reuse it instead of starting their own."""
    import ray

    from exercise_classifier.pipelines.runtime import QUIET_ENV

    os.environ.update(QUIET_ENV)
    ray.init(address="local", num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False,
             runtime_env={"env_vars": {**QUIET_ENV, **s3_server}})
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def real_dev() -> Path:
    if not (REAL_DEV / "manifest.csv").exists():
        pytest.skip("../shared/data/real-dev is not beside this checkout")
    return REAL_DEV


@pytest.fixture
def cli_env():
    """Environment for running the installed console command in a subprocess."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


@pytest.fixture
def printed_json():
    """Reads the JSON document a command printed last. Ray's raylet can write a warning line to the driver's stdout
    (e.g. "N PYTHON worker processes have been started"), so the document is read from its opening brace on."""
    import json

    def read(text: str):
        start = text.rfind("\n{")
        return json.loads(text[start + 1:] if start >= 0 else text[text.index("{"):])
    return read
