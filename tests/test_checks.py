"""The test command's own checks can fail: shown once each on scratch material.

A check that cannot fail protects nothing. Each test below builds a small notebook or book
in a temporary folder, runs the same tool with the same flags as ``make test``, and asserts
that a broken input is caught while a sound one passes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from notebook_tools import BIN, PairCheckError, pair_difference

REPO = Path(__file__).resolve().parent.parent
BOOK_FLAGS = ["--builder", "html", "-W", "-n", "--keep-going"]  # as in the Makefile


def _notebook(path: Path, source: str, stored_output: str | None = None) -> Path:
    """Write a one-cell notebook whose cell is tagged nbval-check-output."""
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["nbval-check-output"]})
    if stored_output is not None:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_output)]
        cell.execution_count = 1
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nbformat.write(nb, path)
    return path


def _nbval(nb: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-cell-timeout=60", str(nb)],
        capture_output=True, text=True, cwd=nb.parent, check=False,
    )


@pytest.mark.slow
def test_nbval_fails_when_a_cell_raises(tmp_path):
    run = _nbval(_notebook(tmp_path / "raises.ipynb", "raise RuntimeError('boom')"))
    assert run.returncode != 0, run.stdout


@pytest.mark.slow
def test_nbval_fails_when_a_checked_output_changes(tmp_path):
    assert _nbval(_notebook(tmp_path / "good.ipynb", "print(1 + 1)", "2\n")).returncode == 0
    run = _nbval(_notebook(tmp_path / "changed.ipynb", "print(1 + 1)", "3\n"))
    assert run.returncode != 0, run.stdout


def test_pair_check_catches_an_out_of_sync_pair(tmp_path):
    py = tmp_path / "pair.py"
    py.write_text(
        "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n# ---\n\n"
        "# %%\nx = 1\n"
    )
    subprocess.run([str(BIN / "jupytext"), "--to", "ipynb", str(py)], check=True,
                   capture_output=True)
    assert pair_difference(py) == ""
    py.write_text(py.read_text().replace("x = 1", "x = 2"))
    assert "x = 2" in pair_difference(py)
    py.with_suffix(".ipynb").unlink()
    assert "missing" in pair_difference(py)


def _synced_pair(tmp_path: Path) -> Path:
    py = tmp_path / "pair.py"
    py.write_text(
        "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n# ---\n\n"
        "# %%\nx = 1\n"
    )
    subprocess.run([str(BIN / "jupytext"), "--to", "ipynb", str(py)], check=True,
                   capture_output=True)
    return py


def test_pair_check_reports_a_failing_jupytext(tmp_path):
    """jupytext that fails compares nothing: its empty output must not read as "in sync"."""
    py = _synced_pair(tmp_path)
    assert pair_difference(py) == ""
    # the real jupytext, made to fail: the .py side of the pair does not exist
    ghost = tmp_path / "ghost.py"
    shutil.copy(py.with_suffix(".ipynb"), ghost.with_suffix(".ipynb"))
    with pytest.raises(PairCheckError,
                       match=r"(?s)failed \(exit code 1\).*No such file.*ghost\.py"):
        pair_difference(ghost)
    # fake jupytexts: one that exits non-zero silently, one that crashes yet exits 0,
    # and one that is not there at all
    silent = tmp_path / "jupytext-exit-3"
    silent.write_text("#!/bin/sh\nexit 3\n")
    crash = tmp_path / "jupytext-crash"
    crash.write_text("#!/bin/sh\necho 'Traceback (most recent call last):' >&2\n"
                     "echo 'RuntimeError: boom' >&2\nexit 0\n")
    for fake in (silent, crash):
        fake.chmod(0o755)
    with pytest.raises(PairCheckError, match=r"exit code 3"):
        pair_difference(py, jupytext=silent)
    with pytest.raises(PairCheckError, match="boom"):
        pair_difference(py, jupytext=crash)
    with pytest.raises(PairCheckError, match="could not run"):
        pair_difference(py, jupytext=tmp_path / "no-such-jupytext")


def _scratch_book(root: Path, intro: str, notebook: str) -> subprocess.CompletedProcess:
    """Build a two-page book with the project's own _config.yml and bibliography."""
    (root / "book").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(REPO / "_config.yml", root / "_config.yml")
    shutil.copytree(REPO / "_ext", root / "_ext")
    shutil.copy(REPO / "book" / "references.bib", root / "book" / "references.bib")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/chapter\n"
    )
    (root / "book" / "intro.md").write_text(intro)
    (root / "notebooks" / "chapter.py").write_text(
        "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n"
        "#   kernelspec:\n#     display_name: Python 3\n#     language: python\n"
        "#     name: python3\n# ---\n\n# %% [markdown]\n# (chap-scratch)=\n# # Scratch\n\n"
        f"# %%\n{notebook}\n"
    )
    return subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(root), *BOOK_FLAGS],
        capture_output=True, text=True, check=False,
    )


@pytest.mark.slow
def test_book_build_fails_on_a_warning_and_on_a_raising_cell(tmp_path):
    sound = _scratch_book(tmp_path / "sound", "# Intro\n\nSee {ref}`chap-scratch`.\n", "print(2)")
    assert sound.returncode == 0, sound.stdout[-3000:] + sound.stderr[-3000:]
    warns = _scratch_book(tmp_path / "warns", "# Intro\n\nSee {ref}`no-such-label`.\n", "print(2)")
    assert warns.returncode != 0
    assert "no-such-label" in warns.stdout + warns.stderr
    raises = _scratch_book(tmp_path / "raises", "# Intro\n", "raise RuntimeError('boom')")
    assert raises.returncode != 0
    assert "boom" in raises.stdout + raises.stderr
