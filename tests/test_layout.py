"""The package layout: the theory is numpy only, imports run in one direction, and no module
reaches into another's private names.

Imports are read from the source with :mod:`ast` (function-level imports included, relative
imports resolved), so the checks cover code paths that importing alone would not run.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "prunedd_utils"

FORBIDDEN = {
    "theory": ("neural", "runs", "sweeps", "cli"),
    "neural": ("runs", "sweeps", "cli"),
    "runs": ("sweeps", "cli"),
}
"""Subpackage -> the parts of the package it must not import (the import direction)."""

CHEAP = ("prunedd_utils", "prunedd_utils.runs", "prunedd_utils.sweeps", "prunedd_utils.cli")
"""Modules that must import without torch (the command line and the run tables need none)."""


def module_name(path: Path) -> str:
    """Dotted name of a source file of the package or of the tests (``tests.x``)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def theory_modules() -> list[str]:
    return sorted(module_name(p) for p in (PACKAGE / "theory").rglob("*.py"))


def is_module(name: str) -> bool:
    """Whether a dotted name under prunedd_utils is a module or package of this tree."""
    path = REPO.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


@dataclass(frozen=True)
class Import:
    """One imported name: ``module`` (absolute), ``name`` (None for ``import module``)."""

    path: Path
    line: int
    module: str
    name: str | None
    bound: str  # the local name it is bound to

    @property
    def where(self) -> str:
        return f"{shown(self.path)}:{self.line}"

    @property
    def target(self) -> str:
        """The module this import loads: ``module.name`` when that is a module, else module."""
        if self.name is not None and is_module(f"{self.module}.{self.name}"):
            return f"{self.module}.{self.name}"
        return self.module


def imports(path: Path, name: str | None = None) -> list[Import]:
    """Every import of ``path`` (module ``name``) at any depth, relative ones made absolute."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = (name or module_name(path)).split(".")
    if path.name != "__init__.py":
        package.pop()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            # ``import a.b`` binds ``a``, ``import a.b as c`` binds ``c``
            found.extend(Import(path, node.lineno, alias.name, None,
                                alias.asname or alias.name.split(".")[0])
                         for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.extend(Import(path, node.lineno, module, alias.name, alias.asname or alias.name)
                         for alias in node.names)
    return found


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def subpackage(module: str) -> str | None:
    """``theory`` for ``prunedd_utils.theory.lgp.dc``; None outside the package."""
    parts = module.split(".")
    if parts[0] != "prunedd_utils" or len(parts) < 2:
        return None
    return parts[1]


def run_fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter that imports this checkout's package; its JSON."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


IMPORT_AND_REPORT = """
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
import prunedd_utils
print(json.dumps({{
    "package": prunedd_utils.__file__,
    "torch": "torch" in sys.modules,
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision")),
}}))
"""


def assert_no_torch(modules: list[str], first: str = "") -> None:
    """Import ``modules`` (after the statement ``first``) in a fresh interpreter: no torch."""
    out = run_fresh(first + IMPORT_AND_REPORT.format(modules=modules))
    assert Path(out["package"]).resolve().parent == PACKAGE, out["package"]
    assert not out["torch"] and not out["loaded"], (
        f"importing {modules} loaded torch: {out['loaded'][:5]}")


def test_theory_imports_no_torch():
    names = theory_modules()
    assert {"prunedd_utils.theory.lgp", "prunedd_utils.theory.general_sigma",
            "prunedd_utils.theory.correlated", "prunedd_utils.theory.random_features"} <= set(names)
    assert_no_torch(names, "from prunedd_utils.theory import correlated, general_sigma, lgp, "
                           "random_features\n")


@pytest.mark.parametrize("module", CHEAP)
def test_cheap_modules_import_no_torch(module):
    assert_no_torch([module])


def test_subpackages_import_in_one_direction():
    wrong = []
    for path in package_files():
        source = subpackage(module_name(path))
        for imp in imports(path):
            target = subpackage(imp.target)
            if source in FORBIDDEN and target in FORBIDDEN[source]:
                wrong.append(f"{imp.where}: prunedd_utils.{source} imports {imp.target} "
                             f"({source} must import nothing from {', '.join(FORBIDDEN[source])})")
    assert not wrong, "imports against the layout:\n" + "\n".join(wrong)


def private_uses(path: Path, name: str | None = None) -> list[str]:
    """``from m import _x`` and ``m._x`` where m is another module of the package."""
    own = name or module_name(path)
    found = []
    modules = set()  # local names bound to modules of the package
    for imp in imports(path, own):
        if subpackage(imp.module) is None and imp.module != "prunedd_utils":
            continue
        if imp.name is not None and is_private(imp.name) and imp.module != own:
            found.append(f"{imp.where}: from {imp.module} import {imp.name}")
        if imp.name is None or is_module(f"{imp.module}.{imp.name}"):
            modules.add(imp.bound)
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            value = node.value
            while isinstance(value, ast.Attribute):
                value = value.value
            if isinstance(value, ast.Name) and value.id in modules:
                found.append(f"{shown(path)}:{node.lineno}: "
                             f"{ast.unparse(node)} (private name of another module)")
    return found


def test_no_private_names_across_modules():
    files = package_files() + sorted((REPO / "tests").glob("*.py"))
    wrong = [use for path in files for use in private_uses(path)]
    assert not wrong, ("private names used outside their module (make them public, with a "
                       "docstring):\n" + "\n".join(wrong))


def test_the_checks_see_what_they_look_for(tmp_path):
    """The ast checks resolve relative and function-level imports (a guard on the guards)."""
    risk = {(imp.module, imp.name) for imp in imports(PACKAGE / "theory" / "lgp" / "risk.py")}
    assert ("prunedd_utils", "checks") in risk
    assert ("prunedd_utils.theory.lgp.dc", "least_squares_factor") in risk
    cli = {imp.target for imp in imports(PACKAGE / "cli.py")}
    assert {"prunedd_utils.runs", "prunedd_utils.neural.data", "prunedd_utils.sweeps"} <= cli
    fake = tmp_path / "fake.py"
    fake.write_text("from .dc import _solve, public\n"
                    "def f():\n"
                    "    from ... import checks\n"
                    "    import prunedd_utils.theory.lgp.dc as dc\n"
                    "    return checks._integer(dc.__name__), self._x\n")
    assert private_uses(fake, "prunedd_utils.theory.lgp.fake") == [
        f"{fake}:1: from prunedd_utils.theory.lgp.dc import _solve",
        f"{fake}:5: checks._integer (private name of another module)",
    ]
