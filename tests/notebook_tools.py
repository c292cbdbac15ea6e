"""Checks on notebook pairs (the Jupytext ``.py`` source and its executed ``.ipynb``).

Shared by the test of the real notebooks and the tests that show the checks can fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


class PairCheckError(RuntimeError):
    """``jupytext --diff`` could not compare a pair: it is missing, crashed or failed."""


def pair_difference(py: Path, jupytext: Path | str = BIN / "jupytext") -> str:
    """What ``jupytext --diff`` reports between ``X.py`` and ``X.ipynb`` ('' when in sync).

    ``jupytext --diff`` exits 0 even when the inputs differ, so its output is what counts.
    A missing twin is reported as a difference too. A jupytext that cannot run, exits
    non-zero or prints a traceback has compared nothing: its empty output must not pass
    for "in sync", so that raises :class:`PairCheckError` (with the command, exit code and
    error output). ``jupytext`` is the executable to run (a fake one in the tests).
    """
    nb = py.with_suffix(".ipynb")
    if not nb.exists():
        return f"{nb} is missing"
    command = [str(jupytext), "--diff", str(py), str(nb)]
    try:
        run = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as err:
        raise PairCheckError(f"{' '.join(command)} could not run: {err}") from err
    if run.returncode != 0 or "Traceback (most recent call last)" in run.stderr:
        tail = "\n".join((run.stderr.strip() or run.stdout.strip()).splitlines()[-5:])
        raise PairCheckError(
            f"{' '.join(command)} failed (exit code {run.returncode}), so the pair was not "
            f"compared:\n{tail}"
        )
    return run.stdout.strip()


def checked_cells(nb: Path) -> list[dict]:
    """The code cells of ``nb`` tagged ``nbval-check-output``."""
    cells = json.loads(nb.read_text())["cells"]
    return [
        c
        for c in cells
        if c["cell_type"] == "code" and "nbval-check-output" in c["metadata"].get("tags", [])
    ]


def parameters_cell(nb: Path) -> dict:
    """The values the ``parameters``-tagged cell of ``nb`` sets (it must have exactly one)."""
    cells = json.loads(nb.read_text())["cells"]
    (cell,) = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    values: dict = {}
    exec("".join(cell["source"]), {}, values)
    return values
