"""Build the Lambda layer: the shared core (layers/taskcore) and its runtime dependencies.

The functions' deployment package (``chalice package``) then holds only the handlers; the core
is never copied into it (functions/requirements.txt stays empty).

* Dependencies are pyproject.toml's runtime closure at the versions installed here, so the
  layer runs what the tests ran. They are fetched as wheels for Lambda's platform, not copied
  from this machine: a local install may hold wheels for a newer glibc than Lambda's python3.11
  runtime (Amazon Linux 2, glibc 2.26) has. pip's cache makes rebuilds local; set PIP_NO_INDEX and
  PIP_FIND_LINKS for a build from a wheelhouse alone.
* Everything is precompiled (.pyc keyed by source hash, not timestamps): /opt is read-only on
  Lambda, so a module without a .pyc would be compiled again on every cold start.
* The zip is reproducible (sorted entries, fixed timestamps), so an unchanged layer uploads to
  the same S3 key and CloudFormation publishes no new layer version.

Usage: python -m infra.build_layer OUT.zip [--core-only]
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGE = ROOT / "layers" / "taskcore"
PYPROJECT = ROOT / "pyproject.toml"

LAMBDA_PYTHON = (3, 11)
LAMBDA_PLATFORM = "manylinux2014_x86_64"
LAMBDA_LAYER_ROOT = "/opt"  # where Lambda unpacks layers
# Already in the python3.11 runtime; pynamodb only needs them through botocore.
PROVIDED_BY_LAMBDA = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)
# Chalice puts its runtime (chalice/app.py) into the deployment package itself; the rest of
# the chalice distribution is the CLI.
NOT_IN_LAYER = frozenset({"chalice"})

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def runtime_requirements() -> list[str]:
    """Pinned ``name==version`` for every distribution the core needs at run time: the
    dependencies of pyproject.toml and theirs, as installed here, less what the Lambda runtime
    provides. Sorted by name."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    pins: dict[str, str] = {}
    pending: list[str] = list(project["dependencies"])
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra's or another platform's dependency
        name = canonicalize_name(requirement.name)
        if name in PROVIDED_BY_LAMBDA | NOT_IN_LAYER or name in pins:
            continue
        try:
            pins[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{name} is not installed: pip install -e '.[dev]' first") from None
        pending.extend(metadata.requires(name) or [])
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def build_layer(dest: Path, *, with_dependencies: bool = True) -> Path:
    """Write the layer zip to ``dest`` (its ``python/`` is on sys.path in Lambda)."""
    with tempfile.TemporaryDirectory(prefix="taskcore-layer-") as tmp:
        site = Path(tmp) / "python"
        site.mkdir()
        if with_dependencies:
            install_wheels(runtime_requirements(), site)
        shutil.copytree(
            CORE_PACKAGE, site / "taskcore", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        compile_tree(site)
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_reproducible_zip(Path(tmp), dest)
    return dest


def install_wheels(requirements: Sequence[str], site: Path) -> None:
    """pip-install exactly these pins as Lambda-platform wheels into ``site``."""
    if not requirements:
        return
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(site), "--no-deps", "--no-compile", "--only-binary=:all:",
        "--platform", LAMBDA_PLATFORM, "--implementation", "cp",
        "--python-version", ".".join(map(str, LAMBDA_PYTHON)),
        *requirements,
    ]  # fmt: skip
    subprocess.run(command, check=True)  # noqa: S603 (our own interpreter, fixed arguments)
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts with this machine's paths


def compile_tree(site: Path) -> None:
    """Precompile every module with hash-based .pyc, deterministically."""
    if sys.version_info[:2] != LAMBDA_PYTHON:
        raise SystemExit(f"build the layer with Python {LAMBDA_PYTHON}: .pyc are version-bound")
    # A fixed hash seed keeps set and frozenset constants in the same order in every build, and
    # the recorded source paths are those on Lambda (/opt/python/...), not this temporary dir.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    command = [
        sys.executable, "-m", "compileall", "-q", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash",
        "-s", str(site.parent), "-p", LAMBDA_LAYER_ROOT, str(site),
    ]  # fmt: skip
    # Third-party packages may ship files that do not compile (templates, other Pythons):
    # those simply stay uncompiled, so the exit status is not checked here.
    subprocess.run(command, env=env, check=False)  # noqa: S603
    missing = [p for p in (site / "taskcore").rglob("*.py") if not _has_pyc(p)]
    if missing:
        raise SystemExit(f"taskcore modules did not compile: {missing}")


def _has_pyc(source: Path) -> bool:
    tag = sys.implementation.cache_tag
    return (source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc").exists()


def write_reproducible_zip(source: Path, dest: Path) -> None:
    """Zip ``source``'s contents with sorted names, fixed times and normalised modes."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in _sorted_files(source):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), _FIXED_TIME)
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def _sorted_files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for name in sorted(files):
            yield Path(directory) / name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dest", type=Path, help="zip file to write")
    parser.add_argument(
        "--core-only", action="store_true", help="taskcore without its dependencies (tests)"
    )
    args = parser.parse_args(argv)
    build_layer(args.dest, with_dependencies=not args.core_only)
    print(args.dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
