"""The apps' import layers (README, "Layers"; the contract is in pyproject.toml)."""

import re
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
APPS = ["config", "hub", "objectives", "referrals", "notifications", "groups", "networks"]
# Ways to reach another app's model without importing it, which import-linter cannot see.
BY_NAME = re.compile(r"\bget_model\(|\.rel\.related_model\b")


def test_the_apps_import_downward_only():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_no_app_module_looks_a_model_up_by_name():
    # Data migrations get historical models from the `apps` argument: that is their job.
    modules = [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert len(modules) > 20
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in modules
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BY_NAME.search(line)
    ]
    assert found == []
