"""The replica's images, built locally: no image registry answers here.

A Debian bookworm rootfs from debootstrap is imported as ``meeshy-replica/rootfs:bookworm``; every other
image is a Dockerfile layer above it (rehearsal/replica/images/<kind>/). Python wheels are installed on
the host by pip into a directory that the base image copies (pip inside a chroot fails TLS here).

Each image carries the label ``org.meeshy.replica.inputs``: a hash of its inputs (Dockerfile, every
copied file, build arguments, its parent's hash). An image whose label matches is kept, so a second
run takes seconds; the rootfs tarball and the wheel directory are cached under .tools/images/.
The app images copy the current sandbox/ and ops/ (and the project modules they import) at build time.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ops.errors import OpsError
from rehearsal.replica.dockerd import docker_env

ROOT = Path(__file__).resolve().parents[2]
IMAGES_DIR = Path(__file__).resolve().parent / "images"
CACHE = ROOT / ".tools" / "images"
FERRETDB = ROOT / ".tools" / "bin" / "ferretdb"
INPUTS_LABEL = "org.meeshy.replica.inputs"
REVISION_LABEL = "org.opencontainers.image.revision"

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
# One rootfs for all images. wget: the real compose's `wget --spider` healthchecks; no net-tools (netstat):
# the redis-ui stand-in must fail its healthcheck as the real p3x-redis-ui does.
ROOTFS_PACKAGES = ("python3", "ca-certificates", "curl", "wget", "procps", "redis-server", "nginx-light")
# The app images get pyproject.toml's dependencies (pinned there) but the test and browser tooling: the
# sandbox imports ops modules, which import what they like. Plus the mongo stand-in's CRC-64 (mongo-tools'
# archive checksum).
NOT_IN_IMAGES = ("pytest", "pytest-xdist", "pytest-timeout", "allure-pytest", "pytest-playwright", "playwright")
EXTRA_REQUIREMENTS = ("fastcrc==0.5.0",)
PYTHON_VERSION = "3.11"  # bookworm's python3; glibc 2.36
WHEEL_PLATFORMS = ("manylinux2014_x86_64", *(f"manylinux_2_{n}_x86_64" for n in range(17, 37)))

ROOTFS = "meeshy-replica/rootfs:bookworm"
BASE = "meeshy-replica/base:bookworm"
MONGO = "meeshy-replica/mongo:8.0-ferretdb"
REDIS = "meeshy-replica/redis:8"
PROXY = "meeshy-replica/proxy:nginx"
REDIS_UI = "meeshy-replica/redis-ui:standin"
OLD_REVISION, NEW_REVISION = "06c4a4ab5", "d5983046"
APP_DATA = {OLD_REVISION: "legacy", NEW_REVISION: "prisma"}  # the gateway's data shape per version
APP_PORTS = {"gateway": 3000, "translator": 8000, "frontend": 3100}
APP_MODULES = {"gateway": "sandbox.gateway", "translator": "sandbox.translator", "frontend": "sandbox.web"}
APP_PACKAGES = ("sandbox", "ops")


def app_image(service: str, revision: str) -> str:
    return f"meeshy-replica/{service}:{revision}"


@dataclass(frozen=True)
class ImageSpec:
    name: str
    kind: str  # directory under images/ with the Dockerfile and the image-side files
    parent: str
    build_args: dict[str, str] = field(default_factory=dict)
    extra: Callable[[Path, Callable[[str], None]], None] | None = None  # stages more files in the context


@dataclass
class ImageResult:
    name: str
    image_id: str
    size: int
    seconds: float
    built: bool


def _run(cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
        raise OpsError(f"{what} failed (exit {result.returncode}): {' '.join(cmd[:4])} …\n{tail}")
    return result


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _tree_digest(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(directory).as_posix()
        mode = path.lstat().st_mode & 0o777
        body = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        h.update(_digest(rel, str(mode), body).encode())
    return h.hexdigest()


# -- cached inputs: the rootfs tarball and the wheel directory -------------------------------------


def rootfs_tarball(echo: Callable[[str], None] = print) -> Path:
    """The debootstrapped rootfs as a tarball, built once per package list (about 2 minutes)."""
    key = _rootfs_key()
    tarball = CACHE / f"rootfs-{SUITE}-{key}.tar"
    if tarball.exists():
        return tarball
    if not shutil.which("debootstrap"):
        raise OpsError("debootstrap is not installed: run tools/docker/install.sh (make replica-tools)")
    CACHE.mkdir(parents=True, exist_ok=True)
    work = CACHE / f"rootfs-{key}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    started = time.monotonic()
    echo(f"debootstrap {SUITE} minbase + {','.join(ROOTFS_PACKAGES)} …")
    _run(["debootstrap", "--variant=minbase", f"--include={','.join(ROOTFS_PACKAGES)}", SUITE, str(work), MIRROR],
         "debootstrap", timeout=1800)
    for leftover in ("var/lib/apt/lists", "var/cache/apt/archives", "var/log"):
        for path in (work / leftover).glob("*"):
            if path.is_file():
                path.unlink()
    for path in (work / "var/cache/apt").glob("*.bin"):
        path.unlink()
    partial = tarball.with_suffix(".partial")
    with open(partial, "wb") as out:
        _run_to(["tar", "-C", str(work), "--numeric-owner", "-c", "."], out, "tar of the rootfs")
    partial.replace(tarball)
    shutil.rmtree(work, ignore_errors=True)
    _prune(f"rootfs-{SUITE}-*.tar", tarball)
    echo(f"rootfs {tarball.name}: {tarball.stat().st_size / 1e6:.0f} MB in {time.monotonic() - started:.0f}s")
    return tarball


def _run_to(cmd: list[str], out, what: str) -> None:
    result = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=False)
    if result.returncode:
        raise OpsError(f"{what} failed (exit {result.returncode}): {result.stderr.decode(errors='replace')[-2000:]}")


def requirements() -> list[str]:
    """The pinned requirements the images install: pyproject.toml's but NOT_IN_IMAGES, and EXTRA_REQUIREMENTS."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]

    def bare(spec: str) -> str:
        name = spec.split("[")[0].split("=")[0].split("<")[0].split(">")[0].split(";")[0].strip()
        return name.lower().replace("_", "-")

    return sorted(spec for spec in deps if bare(spec) not in NOT_IN_IMAGES) + list(EXTRA_REQUIREMENTS)


def wheels_dir(echo: Callable[[str], None] = print) -> Path:
    """cp311 manylinux wheels for bookworm installed into a directory (host pip), once per requirement list."""
    reqs = requirements()
    platform_args = [arg for platform in WHEEL_PLATFORMS for arg in ("--platform", platform)]
    args = ["--only-binary=:all:", "--python-version", PYTHON_VERSION, "--implementation", "cp", *platform_args]
    key = _digest(*reqs, *args)[:16]
    target = CACHE / f"pydeps-{key}"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = CACHE / f"pydeps-{key}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    echo(f"pip install --target (cp311, manylinux): {' '.join(reqs)} …")
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-warn-script-location", "--target", str(partial),
          *args, *reqs], "pip install of the image's wheels", timeout=1200)
    shutil.rmtree(partial / "bin", ignore_errors=True)  # console scripts with the host's interpreter path
    partial.replace(target)
    _prune("pydeps-*", target)
    return target


def _prune(pattern: str, keep: Path) -> None:
    """Superseded cache entries (another package or requirement list) go."""
    for path in CACHE.glob(pattern):
        if path != keep and path.is_dir():
            shutil.rmtree(path)
        elif path != keep:
            path.unlink()


# -- staging build contexts --------------------------------------------------------------------------


def _copy_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                    dirs_exist_ok=True)


def _link_file(source: str | Path, dest: str | Path) -> None:
    """A hard link where possible (large inputs: the wheel directory, the FerretDB binary)."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _link_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, symlinks=True, copy_function=_link_file, dirs_exist_ok=True)


def _module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = path.relative_to(ROOT).with_suffix("").parts
    package = package[:-1] if package[-1] != "__init__" else package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(filter(None, [prefix, node.module or ""]))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def app_files() -> list[Path]:
    """sandbox/ and ops/ whole, plus the modules of other project packages they import, transitively."""
    files: set[Path] = set()
    for package in APP_PACKAGES:
        files.update(p for p in (ROOT / package).rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    queue = [p for p in files if p.suffix == ".py"]
    while queue:
        for name in _imported_modules(queue.pop()):
            parts = name.split(".")
            if parts[0] in APP_PACKAGES or not (ROOT / parts[0]).is_dir():
                continue
            found = _module_file(name)
            if found is None or found in files:
                continue
            for depth in range(1, len(parts)):  # the enclosing packages' __init__.py
                init = ROOT.joinpath(*parts[:depth], "__init__.py")
                if init.is_file() and init not in files:
                    files.add(init)
                    queue.append(init)
            files.add(found)
            queue.append(found)
    return sorted(files)


def _stage_app(context: Path, echo: Callable[[str], None], frontend: bool) -> None:
    for path in app_files():
        dest = context / "app" / path.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    if frontend:  # sandbox/web serves socket.io-client from <repo>/node_modules (here /app/node_modules)
        dist = ROOT / "node_modules" / "socket.io-client" / "dist"
        if not (dist / "socket.io.min.js").exists():
            echo("npm ci (socket.io-client for the frontend image) …")
            _run(["npm", "ci", "--no-audit", "--no-fund"], "npm ci", cwd=ROOT, timeout=900)
        _copy_tree(dist, context / "app" / "node_modules" / "socket.io-client" / "dist")


def _stage_base(context: Path, echo: Callable[[str], None]) -> None:
    _link_tree(wheels_dir(echo), context / "pydeps")


def _stage_mongo(context: Path, echo: Callable[[str], None]) -> None:
    # Always: a binary built before a patch was added is replaced (seconds when the patched build is cached).
    echo("tools/ferretdb/build.sh …")
    _run([str(ROOT / "tools" / "ferretdb" / "build.sh")], "FerretDB build", timeout=3600)
    _link_file(FERRETDB, context / "ferretdb")


def specs() -> list[ImageSpec]:
    """Every image, parents first."""
    out = [
        ImageSpec(BASE, "base", ROOTFS, extra=_stage_base),
        ImageSpec(MONGO, "mongo", BASE, extra=_stage_mongo),
        ImageSpec(REDIS, "redis", BASE),
        ImageSpec(PROXY, "proxy", BASE),
        ImageSpec(REDIS_UI, "redis-ui", BASE),
    ]
    for revision, data in APP_DATA.items():
        for service, port in APP_PORTS.items():
            frontend = service == "frontend"
            out.append(ImageSpec(
                app_image(service, revision), "app", BASE,
                build_args={"SERVICE": service, "MODULE": APP_MODULES[service], "REVISION": revision,
                            "APP_DATA": data, "PORT": str(port)},
                extra=lambda ctx, echo, frontend=frontend: _stage_app(ctx, echo, frontend),
            ))
    return out


# -- docker ----------------------------------------------------------------------------------------


def _labels(name: str) -> dict[str, str] | None:
    out = subprocess.run(["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", name],
                         capture_output=True, text=True, env=docker_env())
    if out.returncode:
        return None
    return json.loads(out.stdout or "null") or {}


def _image_info(name: str) -> tuple[str, int]:
    out = _run(["docker", "image", "inspect", "--format", "{{.Id}} {{.Size}}", name], "docker image inspect",
               env=docker_env())
    image_id, size = out.stdout.split()
    return image_id, int(size)


def _rootfs_key() -> str:
    return _digest(SUITE, MIRROR, "minbase", *sorted(ROOTFS_PACKAGES))[:16]


def _import_rootfs(echo: Callable[[str], None]) -> tuple[str, bool]:
    # The image's label names the tarball, itself named by the package list: an image already imported
    # (by another clone on this machine) is reused without debootstrapping again.
    key = _digest("rootfs", f"rootfs-{SUITE}-{_rootfs_key()}.tar")
    if (_labels(ROOTFS) or {}).get(INPUTS_LABEL) == key:
        return key, False
    tarball = rootfs_tarball(echo)
    echo(f"docker import {tarball.name} → {ROOTFS} …")
    changes = [f"LABEL {INPUTS_LABEL}={key}", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "ENV LANG=C.UTF-8", 'CMD ["/bin/bash"]']
    _run(["docker", "import", *(a for c in changes for a in ("--change", c)), str(tarball), ROOTFS],
         "docker import", env=docker_env(), timeout=900)
    return key, True


def _build(spec: ImageSpec, parent_key: str, echo: Callable[[str], None]) -> tuple[str, bool]:
    context = CACHE / "context" / spec.name.replace("/", "_").replace(":", "_")
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    _copy_tree(IMAGES_DIR / spec.kind, context)
    if spec.extra:
        spec.extra(context, echo)
    key = _digest(spec.name, parent_key, json.dumps(spec.build_args, sort_keys=True), _tree_digest(context))
    if (_labels(spec.name) or {}).get(INPUTS_LABEL) == key:
        shutil.rmtree(context, ignore_errors=True)
        return key, False
    echo(f"docker build {spec.name} …")
    cmd = ["docker", "build", "--network", "none", "--force-rm", "-q", "-t", spec.name,
           "--label", f"{INPUTS_LABEL}={key}"]
    for arg, value in spec.build_args.items():
        cmd += ["--build-arg", f"{arg}={value}"]
    # The legacy builder: this CLI has no buildx plugin, and builds here need no BuildKit feature.
    _run([*cmd, str(context)], f"docker build of {spec.name}", env=docker_env() | {"DOCKER_BUILDKIT": "0"},
         timeout=1800)
    shutil.rmtree(context, ignore_errors=True)
    return key, True


def build_all(echo: Callable[[str], None] = print) -> list[ImageResult]:
    """Build every missing or stale image (parents first); one result per image, rootfs included.

    Concurrent callers (xdist workers, a rehearsal) take turns: the second finds the images built.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _build_all(echo)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_all(echo: Callable[[str], None]) -> list[ImageResult]:
    results: list[ImageResult] = []
    started = time.monotonic()
    keys = {}
    keys[ROOTFS], built = _import_rootfs(echo)
    results.append(ImageResult(ROOTFS, *_image_info(ROOTFS), round(time.monotonic() - started, 1), built))
    for spec in specs():
        started = time.monotonic()
        keys[spec.name], built = _build(spec, keys[spec.parent], echo)
        results.append(ImageResult(spec.name, *_image_info(spec.name), round(time.monotonic() - started, 1), built))
    subprocess.run(["docker", "image", "prune", "-f", "--filter", f"label={INPUTS_LABEL}"],
                   capture_output=True, env=docker_env())  # superseded builds of ours only
    return results


def build_images(echo: Callable[[str], None] = print) -> dict[str, str]:
    """Build what is missing or stale; every image name mapped to its image id."""
    return {result.name: result.image_id for result in build_all(echo)}


def main(argv: list[str] | None = None) -> int:
    import argparse

    from rehearsal.replica import dockerd

    parser = argparse.ArgumentParser(prog="python -m rehearsal.replica.images", description=__doc__.split("\n")[0])
    parser.add_argument("--keep-dockerd", action="store_true", help="leave a dockerd we started running")
    args = parser.parse_args(argv)
    total = time.monotonic()
    try:
        engine = dockerd.start()
        try:
            results = build_all(lambda line: print(line, file=sys.stderr, flush=True))
        finally:
            if args.keep_dockerd:
                dockerd._pin(True)
            dockerd.stop(engine)
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"{'image':42} {'id':19} {'size':>9} {'seconds':>8}  built")
    for r in results:
        print(f"{r.name:42} {r.image_id[:19]:19} {r.size / 1e6:7.0f}MB {r.seconds:8.1f}  {'yes' if r.built else 'no'}")
    print(f"total {time.monotonic() - total:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
