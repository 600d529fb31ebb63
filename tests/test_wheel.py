"""``pip install .`` on a fresh clone gives the working pages: the wheel build hook
(``hatch_build.py``) runs ``scripts/install-ui.sh`` and the wheel carries the vendored
front-end files. Builds a real wheel (npm ci from the lock file), hence the ``build`` mark."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDORED = (
    "yasgui.min.js",
    "yasgui.min.css",
    "graphiql.min.js",
    "graphiql.min.css",
    "react.production.min.js",
    "react-dom.production.min.js",
    "cytoscape.min.js",
    "swagger-ui-bundle.js",
    "swagger-ui.css",
)


def fresh_clone(target: Path) -> Path:
    """The project's files as a clone has them: tracked or new, nothing git-ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def build_wheel(project: Path, out: Path, env: dict[str, str] | None = None) -> list[str]:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(project),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
        env=env,
        timeout=600,
    )
    (wheel,) = out.glob("cxgraph-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


needs_clone = pytest.mark.skipif(
    not (ROOT / ".git").exists() or shutil.which("git") is None, reason="needs a git checkout"
)


@pytest.mark.build
@needs_clone
def test_wheel_of_a_fresh_clone_carries_the_front_end(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    clone = fresh_clone(tmp_path / "clone")
    assert not (clone / "src/cxgraph/web/vendor").exists()
    names = build_wheel(clone, tmp_path / "dist")
    for name in VENDORED:
        assert f"cxgraph/web/vendor/{name}" in names, name
    assert "cxgraph/web/static/dashboard.js" in names
    assert not [n for n in names if "node_modules" in n]


@pytest.mark.build
@needs_clone
def test_wheel_without_npm_builds_and_carries_no_front_end(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "clone")
    bin_dir = tmp_path / "bin"  # git and python, no npm
    bin_dir.mkdir()
    for tool in ("git", "bash"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(bin_dir)}
    names = build_wheel(clone, tmp_path / "dist", env=env)
    assert "cxgraph/web/static/dashboard.js" in names
    assert not [n for n in names if "/vendor/" in n]
