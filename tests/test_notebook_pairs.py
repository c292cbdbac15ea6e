"""Every chapter notebook is a Jupytext pair in sync, executed, with checked outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebook_tools import checked_cells, pair_difference

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.py"))


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_pair_in_sync(py):
    assert pair_difference(py) == "", f"run `jupytext --to ipynb --update {py}` and re-execute"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_with_checked_outputs(py):
    nb = py.with_suffix(".ipynb")
    cells = json.loads(nb.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), f"{nb.name}: not fully executed"
    checked = checked_cells(nb)
    assert checked, f"{nb.name}: no cell tagged nbval-check-output"
    assert all(c["outputs"] for c in checked), f"{nb.name}: a checked cell has no output"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_has_parameters_cell(py):
    cells = json.loads(py.with_suffix(".ipynb").read_text())["cells"]
    tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1, f"{py.name}: expected exactly one cell tagged 'parameters'"
