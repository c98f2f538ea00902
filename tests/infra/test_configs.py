"""The deployment files are checked like code: they parse, Ray's own schema accepts the cluster launcher config,
images are the ones the pins imply, and every command they (and docs/operations.md) run exists in the CLI with
those flags."""

from __future__ import annotations

import importlib.util
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from exercise_classifier.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
YAMLS = sorted(INFRA.rglob("*.yaml"))
KUBE = sorted((INFRA / "kuberay").glob("*.yaml"))


def _image_tag() -> str:
    spec = importlib.util.spec_from_file_location("image_tag", INFRA / "docker" / "image_tag.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.image_tag()


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _walk(node, key=None):
    """(key, value) of every scalar in a parsed YAML tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


def _commands_in(text: str) -> list[list[str]]:
    """Every `exercise-classifier ...` invocation in a shell-like text, as argv after the program name."""
    text = text.replace("\\\n", " ")
    out = []
    for part in re.split(r"&&|;|\n|\|\|", text):
        tokens = shlex.split(part, comments=True)
        if "exercise-classifier" in tokens:
            argv = tokens[tokens.index("exercise-classifier") + 1:]
            if argv and not argv[0].startswith("-"):
                out.append(argv)
    return out


def _kube_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in KUBE:
        for doc in _docs(path):
            entry = (doc.get("spec") or {}).get("entrypoint")
            if entry:
                found += [(path.name, argv) for argv in _commands_in(entry)]
            containers = [c for _, c in _walk_containers(doc)]
            for c in containers:
                argv = [*c.get("command", []), *c.get("args", [])]
                if "exercise-classifier" in argv:
                    found.append((path.name, argv[argv.index("exercise-classifier") + 1:]))
    return found


def _walk_containers(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("containers", "initContainers") and isinstance(v, list):
                for c in v:
                    yield k, c
            else:
                yield from _walk_containers(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk_containers(v)


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: str(p.relative_to(INFRA)))
def test_every_yaml_parses(path):
    assert _docs(path), f"{path} holds no document"


def test_cluster_launcher_config_passes_rays_own_schema():
    from ray.autoscaler._private.util import prepare_config, validate_config

    config = yaml.safe_load((INFRA / "ray-cluster" / "aws.yaml").read_text())
    validate_config(prepare_config(config))
    types = config["available_node_types"]
    assert types[config["head_node_type"]]["resources"] == {"CPU": 0}   # no pose actors on the head
    assert types["gpu-train"]["docker"]["worker_image"].endswith("-gpu")
    assert config["max_workers"] >= sum(t.get("max_workers", 0) for t in types.values())
    # a broken config must not pass the same check
    config["available_node_types"]["head"]["unknown_field"] = 1
    with pytest.raises(Exception, match="unknown_field"):
        validate_config(prepare_config(config))


def test_images_are_the_ones_the_pins_imply():
    tag = _image_tag()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", (ROOT / "requirements.txt").read_text(), re.M))
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert tag == f"{version}-ray{pins['ray']}-tf{pins['tensorflow-cpu']}"
    images = [(path.name, v) for path in YAMLS for d in _docs(path) for k, v in _walk(d)
              if k in ("image", "worker_image", "head_image")]
    assert len(images) >= 6
    for name, image in images:
        assert re.fullmatch(rf"(.+/)?exercise-classifier:{re.escape(tag)}-(cpu|gpu)", image), (name, image)


def test_kuberay_cluster_matches_the_pins_and_sizes_each_stage():
    ray_pin = re.search(r"^ray\[[^\]]*\]==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    (cluster,) = _docs(INFRA / "kuberay" / "raycluster.yaml")
    spec = cluster["spec"]
    assert cluster["kind"] == "RayCluster" and spec["rayVersion"] == ray_pin
    assert spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    groups = {g["groupName"]: g for g in spec["workerGroupSpecs"]}
    assert set(groups) == {"cpu-pose", "gpu-train"}
    for name, g in groups.items():
        (c,) = g["template"]["spec"]["containers"]
        assert c["resources"]["requests"] == c["resources"]["limits"], name   # guaranteed QoS: no CPU throttling
        assert g["minReplicas"] <= g["replicas"] <= g["maxReplicas"], name
        assert c["image"].endswith("-gpu" if name == "gpu-train" else "-cpu"), name
    assert "nvidia.com/gpu" in groups["gpu-train"]["template"]["spec"]["containers"][0]["resources"]["limits"]


def test_a_rayjob_for_each_stage_and_a_gated_schedule():
    kinds = {}
    for path in KUBE:
        for d in _docs(path):
            kinds.setdefault(d["kind"], []).append(d)
    jobs = kinds["RayJob"]
    assert all(j["spec"]["clusterSelector"] == {"ray.io/cluster": "exercise-classifier"} for j in jobs)
    stages = {_commands_in(j["spec"]["entrypoint"])[0][0] for j in jobs}
    assert stages == {"extract", "train", "score"}
    (cron,) = kinds["CronJob"]
    assert [argv[0] for _, argv in _kube_commands() if argv[0] == "retrain"] == ["retrain"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"


def _operations_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "operations.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|shell)?\n(.*?)```", text, re.S)
    return [argv for b in blocks for argv in _commands_in(b)]


def test_every_command_in_the_configs_and_the_operations_guide_exists_with_those_flags():
    commands = [argv for _, argv in _kube_commands()] + _operations_commands()
    parser = build_parser()
    seen = set()
    for argv in commands:
        try:
            parser.parse_args(argv)
        except SystemExit as exc:  # argparse's way of saying "no such command/flag"
            pytest.fail(f"`exercise-classifier {' '.join(argv)}` does not parse (exit {exc.code})")
        seen.add(argv[0])
    assert {"extract", "train", "score", "retrain", "evaluate"} <= seen


def test_the_image_installs_what_make_install_installs_and_every_package():
    dockerfile = (INFRA / "docker" / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for req in ("requirements.txt", "requirements-nodeps.txt"):
        assert req in dockerfile and req in makefile
    assert "opencv-python-headless==4.11.0.86" in dockerfile and "opencv-python-headless==4.11.0.86" in makefile
    package_dirs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for folder in set(package_dirs.values()):
        assert f"COPY {folder} ./{folder}" in dockerfile, folder
