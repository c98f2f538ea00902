"""Starting or joining Ray, the same way for every job.

Default: a local Ray started in-process. ``--address`` / ``RAY_ADDRESS``: join an existing cluster (KubeRay,
``ray start``). Worker processes on a cluster do not inherit the driver's environment, so the S3 settings
(endpoint, region, and credentials when they are in the environment) are forwarded through the job's
``runtime_env``; on a real cluster prefer instance/IRSA roles so no credentials travel at all. Values are never
logged.
"""

from __future__ import annotations

import contextlib
import logging
import os

log = logging.getLogger(__name__)

FORWARDED_ENV = (
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
)
QUIET_ENV = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2", "TF_USE_LEGACY_KERAS": "1",
             "RAY_DEDUP_LOGS": "1"}


def add_ray_arguments(parser) -> None:
    parser.add_argument("--address", default=None,
                        help="Ray cluster to join (default: $RAY_ADDRESS, else start a local Ray in-process)")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs for a local Ray (default: all)")


# Lines Ray prints on every run that say nothing to our users (see ray_session). Matched as substrings.
RAY_NOISE = (
    # Ray Data hands its own DataContext and transform to each pool actor through the object store, and Ray core
    # logs an ERROR for that on the driver's stderr (ray-project/ray#57733); nothing on our side can change it.
    "has constructor arguments in the object store and max_restarts > 0",
)


@contextlib.contextmanager
def _stderr_without(patterns: tuple[str, ...]):
    """Drop stderr lines containing any of ``patterns`` (also lines written by C++ code), pass all others on.

    Ray's core worker writes some log lines straight to file descriptor 2, past Python's logging; this is the
    only place they can be filtered. Only whole lines that match are dropped.
    """
    import sys
    import threading

    if os.environ.get("EXC_WORKER_LOGS") == "1":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)

    needles = [p.encode() for p in patterns]

    def pump() -> None:
        pending = b""
        with os.fdopen(os.dup(saved), "wb", buffering=0) as dst:
            while chunk := os.read(read_fd, 65536):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                dst.write(b"".join(line + b"\n" for line in lines if not any(n in line for n in needles)))
                if b"\r" in pending:  # progress bars redraw with \r and no newline: pass them on at once
                    cut = pending.rindex(b"\r") + 1
                    dst.write(pending[:cut])
                    pending = pending[cut:]
            if pending and not any(n in pending for n in needles):
                dst.write(pending)
        os.close(read_fd)

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)   # closes the pipe's last write end we hold; the pump drains and ends
        os.close(saved)
        thread.join(timeout=5)


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None, *, worker_logs: bool | None = None):
    """Yield an initialised Ray; shut it down afterwards only if this call started it.

    Worker stdout/stderr (MediaPipe's and FFmpeg's chatter, one line per frame graph) stay in Ray's log files
    unless ``worker_logs`` or ``EXC_WORKER_LOGS=1``; failures still reach the driver as rows or exceptions.
    A Ray started here, in-process, is private to this job: token authentication (Ray 2.60's default for new
    clusters, which prints a notice) is turned off for it unless ``RAY_AUTH_MODE`` says otherwise; a cluster
    joined with ``--address`` keeps whatever authentication it has.
    """
    if worker_logs is None:
        worker_logs = os.environ.get("EXC_WORKER_LOGS") == "1"
    import ray

    for k, v in QUIET_ENV.items():
        os.environ.setdefault(k, v)
    if ray.is_initialized():
        yield ray
        return
    address = address or os.environ.get("RAY_ADDRESS")
    env_vars = {k: os.environ[k] for k in FORWARDED_ENV if os.environ.get(k)}
    env_vars.update(QUIET_ENV)
    runtime_env = {"env_vars": env_vars}
    with _stderr_without(RAY_NOISE):
        if address:
            log.info("joining Ray cluster at %s", address)
            ray.init(address=address, runtime_env=runtime_env, log_to_driver=worker_logs)
        else:
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
            ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, runtime_env=runtime_env,
                     log_to_driver=worker_logs, configure_logging=False)
        try:
            yield ray
        finally:
            ray.shutdown()


def quiet_ray_data() -> None:
    """Our own progress bar and summary replace Ray Data's per-operator bars and execution log lines (noise in
    the logs of batch jobs); Ray Data's warnings and errors still show."""
    import logging

    from ray.data import DataContext

    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    with contextlib.suppress(AttributeError):
        ctx.enable_operator_progress_bars = False
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled"


def cluster_cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def pose_stage_options(ray, n_items: int, *, max_actors: int | None = None) -> dict:
    """The ``map_batches`` keyword arguments of every pose stage: its :func:`pose_pool`, 1 CPU per actor, and the
    environment of a pose process (:data:`.pose.POSE_PROCESS_ENV`), which Ray merges with the job's ``runtime_env``."""
    from .pose import POSE_PROCESS_ENV

    return {"compute": pose_pool(ray, n_items, max_actors=max_actors), "num_cpus": 1,
            "runtime_env": {"env_vars": dict(POSE_PROCESS_ENV)}}


def pose_pool(ray, n_items: int, *, reserve_cpus: int = 0, max_actors: int | None = None):
    """An autoscaling pool of pose actors (1 CPU each) for ``n_items`` shard items.

    It starts with as many actors as the cluster has CPUs now (less ``reserve_cpus`` for a later stage), never
    more than there is work for, and may grow to ``max_actors`` (default: one per item) when an autoscaling cluster
    adds nodes, and shrink when work runs out; nothing is fixed at submit time.
    """
    upper = max(1, min(n_items, max_actors or n_items))
    initial = max(1, min(upper, cluster_cpus(ray) - reserve_cpus))
    return ray.data.ActorPoolStrategy(min_size=1, max_size=upper, initial_size=initial)


def _number(cast, ok, expected: str):
    """An argparse ``type`` that parses with ``cast`` and accepts values where ``ok(value)``; the error is one line,
    before any work."""
    import argparse
    import math

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not (math.isfinite(value) and ok(value)):
            raise argparse.ArgumentTypeError(f"must be {expected}, got {text}")
        return value

    parse.__name__ = expected  # argparse names the type in some messages
    return parse


positive_int = _number(int, lambda v: v >= 1, "an integer >= 1")
non_negative_int = _number(int, lambda v: v >= 0, "an integer >= 0")
positive_float = _number(float, lambda v: v > 0, "a number > 0")
fraction = _number(float, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")
