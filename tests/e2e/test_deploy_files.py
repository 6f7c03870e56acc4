"""The deployment files, checked without a Docker engine or a cluster.

docker-compose.yml is validated against the compose-spec JSON schema (vendored by
check-jsonschema, Apache-2.0, as is the schema), and by `docker compose config` where
a Compose binary exists; deploy/k8s/*.yaml against Kubernetes' own OpenAPI schemas
(kubernetes-validate, strict: unknown fields fail). The checks below the schemas are
the ones a schema cannot make: the files agree with each other and with the code.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from app.ops.cli import build_parser, usable_cpus, workers_arg
from app.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.33.0"


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def k8s_objects() -> list[dict]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def k8s_object(kind: str) -> dict:
    (found,) = [d for d in k8s_objects() if d["kind"] == kind]
    return found


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines()]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines
            if ln and not ln.startswith("#")]


def test_compose_file_matches_the_compose_spec():
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas").joinpath(
        "vendor/compose-spec.json")
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(compose())]
    assert errors == []


def test_compose_file_is_consistent():
    services = compose()["services"]
    assert set(services) == {"minio", "minio-init", "signet", "cache", "gallery"}
    for name, service in services.items():
        for dep in service.get("depends_on", []):
            assert dep in services, f"{name} depends on unknown {dep}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts a missing {source}"
    # One port for images, through the cache; Signet itself is not published.
    assert services["cache"]["ports"] == ["8080:80"]
    assert "ports" not in services["signet"]
    assert services["signet"]["depends_on"]["minio-init"]["condition"] == (
        "service_completed_successfully")
    assert services["cache"]["depends_on"]["signet"]["condition"] == "service_healthy"
    env = services["signet"]["environment"]
    config_file = ROOT / "deploy" / "signet.toml"
    assert env["SIGNET_CONFIG"] == "/etc/signet/signet.toml"
    settings = load_settings(config_file)
    (source,) = settings.sources
    assert source.type == "s3" and source.endpoint_url == "http://minio:9000"
    assert source.bucket == services["minio-init"]["environment"]["BUCKET"]
    assert source.keys == ["env:SIGNET_MEDIA_KEY"] and "SIGNET_MEDIA_KEY" in env


def compose_v2(
    candidates: tuple[tuple[str, ...], ...] = (("docker", "compose"), ("docker-compose",)),
) -> list[str] | None:
    """The Docker Compose v2 command here (`docker compose`, or a v2 `docker-compose`
    binary), or None: the compose file uses v2's syntax, which the old Python
    `docker-compose` (1.x) refuses."""
    for command in candidates:
        if not shutil.which(command[0]):
            continue
        try:
            probe = subprocess.run([*command, "version", "--short"], capture_output=True,
                                   text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        version = probe.stdout.strip().removeprefix("v")
        if probe.returncode == 0 and version.split(".")[0].isdigit() \
                and int(version.split(".")[0]) >= 2:
            return list(command)
    return None


def test_compose_v2_is_told_from_the_old_docker_compose(tmp_path):
    old = tmp_path / "docker-compose"  # what docker-compose 1.29 answers
    old.write_text("#!/bin/sh\necho 1.29.2\n")
    old.chmod(0o755)
    new = tmp_path / "compose-v2"
    new.write_text("#!/bin/sh\necho v2.29.7\n")
    new.chmod(0o755)
    assert compose_v2(((str(old),),)) is None
    assert compose_v2(((str(old),), (str(new),))) == [str(new)]
    assert compose_v2(((str(tmp_path / "absent"),),)) is None


def test_docker_compose_config_accepts_the_file():
    command = compose_v2()
    if command is None:
        pytest.skip("no Docker Compose v2 (`docker compose`) here; the schema test above "
                    "stands in for it")
    out = subprocess.run([*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_kubernetes_manifests_match_the_kubernetes_schemas():
    objects = k8s_objects()
    assert {o["kind"] for o in objects} >= {
        "Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap"}
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_kubernetes_manifests_agree_with_each_other_and_the_image():
    deployment, service = k8s_object("Deployment"), k8s_object("Service")
    hpa, config_map = k8s_object("HorizontalPodAutoscaler"), k8s_object("ConfigMap")
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"

    (container,) = pod["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"]["cpu"]  # the HPA's utilisation needs it
    args = build_parser().parse_args(container["args"][1:])
    assert args.host == "0.0.0.0" and args.workers >= 1

    # The config the pods read is a valid Signet config, mounted where SIGNET_CONFIG says.
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    config_volume = next(n for n, v in volumes.items()
                         if v.get("configMap", {}).get("name") == config_map["metadata"]["name"])
    (file_name,) = config_map["data"]
    assert env["SIGNET_CONFIG"] == f"{mounts[config_volume]}/{file_name}"
    settings = load_settings(None, **tomllib.loads(config_map["data"][file_name]))
    assert settings.cache.s3_bucket  # the shared tier that makes replicas stateless
    assert str(settings.cache.disk_dir) in mounts.values()  # not the read-only root
    key_dir = mounts[next(n for n, v in volumes.items() if "secret" in v)]
    for source in settings.sources:
        assert all(k.startswith(f"file:{key_dir}/") for k in source.keys)

    # The pod runs as the image's user, with a read-only root: the demo folder and any
    # temp files go to the /tmp volume.
    user = dict(dockerfile_instructions())["USER"].split(":")[0]
    assert pod["spec"]["securityContext"]["runAsUser"] == int(user)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert "/tmp" in mounts.values()


def test_dockerfile_installs_every_package_and_runs_unprivileged():
    instructions = dockerfile_instructions()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    top_level = {p.rstrip("*").split(".")[0] for p in patterns}
    copied = {shlex.split(args)[0] for op, args in instructions if op == "COPY"
              and not args.startswith("--from")}
    assert top_level <= copied, "a package the image would not install"
    allowed = {ln.strip("!/") for ln in (ROOT / ".dockerignore").read_text().splitlines()
               if ln.startswith("!")}
    assert top_level | {"pyproject.toml", "README.md"} <= allowed

    final_stage = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM"):]
    ops = dict(final_stage)
    assert "slim" in ops["FROM"]
    assert int(ops["USER"].split(":")[0]) >= 1000
    assert "/healthz" in ops["HEALTHCHECK"]
    command = json.loads(ops["CMD"])
    assert command[:2] == ["signet", "serve"]
    args = build_parser().parse_args(command[1:])
    assert args.host == "0.0.0.0" and "auto" in command


def test_workers_auto_follows_the_containers_cpu_quota(tmp_path):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("max 100000\n")  # no quota: the CPUs this process may run on
    assert usable_cpus(cpu_max) == len(os.sched_getaffinity(0))
    cpu_max.write_text("50000 100000\n")  # half a CPU still needs one process
    assert usable_cpus(cpu_max) == 1
    assert usable_cpus(tmp_path / "missing") >= 1
    assert workers_arg("auto") == usable_cpus()
    assert workers_arg("3") == 3
    for bad in ("0", "-1", "two"):
        with pytest.raises(argparse.ArgumentTypeError):
            workers_arg(bad)
