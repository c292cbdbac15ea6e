"""Every notebook is a Jupytext pair in sync; every chapter of the book is also executed,
with checked outputs.

A notebook that is not in ``_toc.yml`` is a draft (a chapter whose stored results are still
being computed): it is paired and linted, but not executed, checked by nbval, or built.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebook_tools import checked_cells, pair_difference

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
CHAPTERS = [ROOT / f"{line.split('file:')[1].strip()}.py"
            for line in (ROOT / "_toc.yml").read_text().splitlines()
            if "file: notebooks/" in line]


def test_every_chapter_in_the_table_of_contents_has_a_source():
    assert CHAPTERS and all(py in NOTEBOOKS for py in CHAPTERS)


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_pair_in_sync(py):
    assert pair_difference(py) == "", f"run `jupytext --to ipynb --update {py}` and re-execute"


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.stem)
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
