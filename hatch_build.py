"""Wheel build hook: bundle the front-end libraries the web pages serve.

``pip install .`` builds a wheel; before it does, this hook runs ``scripts/install-ui.sh``
(``npm ci`` from ``src/cxgraph/web/package-lock.json``, then copies the built files into
``src/cxgraph/web/vendor``), so the wheel carries them (``artifacts`` in pyproject.toml).
The script is the one place that knows which files are vendored. Without npm, or when
npm fails (offline), the wheel is built without them and the pages say how to install
them; the build never fails for want of a front end.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

WEB = Path("src") / "cxgraph" / "web"
SCRIPT = Path("scripts") / "install-ui.sh"


def vendor_is_current(root: Path) -> bool:
    """Whether the vendored files exist and are newer than the npm lock file."""
    vendor = root / WEB / "vendor"
    files = [p for p in vendor.glob("*") if p.is_file()] if vendor.is_dir() else []
    lock = root / WEB / "package-lock.json"
    return bool(files) and min(p.stat().st_mtime for p in files) >= lock.stat().st_mtime


class FrontEndBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        if vendor_is_current(root):
            return
        if shutil.which("npm") is None or shutil.which("bash") is None:
            self.app.display_warning(
                "cxgraph: npm not found, so the wheel carries no front-end files; the web "
                "pages will say how to install them (scripts/install-ui.sh)."
            )
            return
        self.app.display_info("cxgraph: installing the front-end files with npm ci")
        result = subprocess.run(["bash", str(root / SCRIPT)], cwd=root, check=False)
        if result.returncode != 0:
            self.app.display_warning(
                f"cxgraph: scripts/install-ui.sh failed (exit {result.returncode}); the wheel "
                "carries no front-end files and the web pages will say how to install them."
            )
