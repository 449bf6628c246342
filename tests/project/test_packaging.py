"""pyproject.toml as current setuptools reads it without deprecation warnings (PEP 639)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def test_the_license_is_an_spdx_expression_and_the_backend_reads_it():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    # The { text = … } table is deprecated since setuptools 77 (a warning on every install).
    assert project["license"] == "AGPL-3.0-or-later"
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
    for pattern in project.get("license-files", []):
        assert list(ROOT.glob(pattern)), f"license-files: {pattern} matches no file"
    backend = next(
        Requirement(r) for r in data["build-system"]["requires"] if r.startswith("setuptools")
    )
    assert not backend.specifier.contains(Version("76.9")), backend
    assert backend.specifier.contains(Version("77.0.0")), backend
