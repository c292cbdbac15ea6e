"""Checks on notebook pairs (the Jupytext ``.py`` source and its executed ``.ipynb``).

Shared by the test of the real notebooks and the tests that show the checks can fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def pair_difference(py: Path) -> str:
    """What ``jupytext --diff`` reports between ``X.py`` and ``X.ipynb`` ('' when in sync).

    ``jupytext --diff`` exits 0 even when the inputs differ, so its output is what counts.
    A missing twin is reported as a difference too.
    """
    nb = py.with_suffix(".ipynb")
    if not nb.exists():
        return f"{nb} is missing"
    run = subprocess.run(
        [str(BIN / "jupytext"), "--diff", str(py), str(nb)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        return f"jupytext --diff failed ({run.returncode}): {run.stderr.strip()}"
    return run.stdout.strip()


def checked_cells(nb: Path) -> list[dict]:
    """The code cells of ``nb`` tagged ``nbval-check-output``."""
    cells = json.loads(nb.read_text())["cells"]
    return [
        c
        for c in cells
        if c["cell_type"] == "code" and "nbval-check-output" in c["metadata"].get("tags", [])
    ]
