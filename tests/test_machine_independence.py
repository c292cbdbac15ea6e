"""The book's checked outputs must not depend on the machine's BLAS kernels or thread count.

Each chapter listed in ``_toc.yml`` (the ``- file: notebooks/...`` lines, parsed as the
Makefile does) is run under nbval, in lax mode with ``tests/nbval_sanitize.cfg``, in a
subprocess whose environment selects an OpenBLAS kernel (``OPENBLAS_CORETYPE``) and a thread
count (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``); every checked
cell must reproduce its committed output. This is what a reader's or a CI machine with
another CPU sees: a repeated eigenvalue, for instance, gets another eigenbasis from another
kernel (chapter 03 once printed 0.202 on one machine and 0.112 on another).

Which combinations. The full cross product {Haswell, Sandybridge, Prescott} x {1, 2 threads}
is six runs of the whole book; the three runs below cover every core type and both thread
counts, and ``make test``'s ordinary nbval run adds the machine's own kernel (SkylakeX on the
development machine) with its default threads:

* ``Haswell`` x 1 thread (AVX2 kernels),
* ``Sandybridge`` x 2 threads (AVX kernels; threads split the BLAS calls differently),
* ``Prescott`` x 1 thread (the oldest SSE3 kernels).

Measured (December 2026, 2-core Xeon): nbval of one chapter takes 5 to 11 s (chapters 01,
02, 04, 08) and about 40 s (chapter 03) on a lightly loaded machine, so one run of the book
is about 1.5 min and the three runs add about 4 to 5 min to ``make test`` (today ~6 min);
the full cross product would add about 9 min. On the same machine with both cores busy
with other work (load average 6 to 10) the runs took 1 to 4 min per chapter (chapter 03:
69 s Haswell x 1, 76 s Prescott x 1, 187 s Sandybridge x 2). Select or deselect the runs
with the ``machines`` marker (``pytest -m "not machines"``), one chapter with ``-k``, e.g.
``-k 03_correlated``.

Does ``OPENBLAS_CORETYPE`` take effect? numpy 2.4's wheels link scipy-openblas built with
``DYNAMIC_ARCH`` (``numpy.show_config()``: "OpenBLAS 0.3.31 ... DYNAMIC_ARCH"), which
reads the variable when it loads. :func:`test_openblas_obeys_the_environment` asks the
loaded library itself (``openblas_get_corename`` and ``openblas_get_num_threads``, through
ctypes, as threadpoolctl does): it reports ``Haswell``, ``Sandybridge`` and, for
``Prescott``, ``Katmai`` (OpenBLAS's name for the table that all pre-Core-2 x86-64 types,
Prescott included, share in a default build), and the thread count asked for. The test
skips when numpy's BLAS is not an OpenBLAS it can find.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [("Haswell", 1), ("Sandybridge", 2), ("Prescott", 1)]
"""(OPENBLAS_CORETYPE, threads) of the runs; see the module docstring for the choice."""
CORENAMES = {"Haswell": "Haswell", "Sandybridge": "Sandybridge", "Prescott": "Katmai"}
"""What OpenBLAS's get_corename reports for each requested core type (see the docstring)."""
NBVAL_FLAGS = ["--nbval-lax", "--nbval-cell-timeout=600",
               "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]
"""``make test``'s nbval flags, with a longer cell timeout: these runs test the outputs, not
the speed, and the old Prescott kernels, or two BLAS threads on a machine whose cores are
busy with other work, can be several times slower (chapter 03's main cell took 4.5 min with
two threads on the shared development machine, 40 s with one)."""
TIMEOUT = 1800  # seconds for one chapter under one configuration


def chapters() -> list[str]:
    """The executed chapters: ``- file: notebooks/...`` lines of _toc.yml, as the Makefile."""
    toc = (ROOT / "_toc.yml").read_text()
    return [f"{m}.ipynb" for m in re.findall(r"^ *- file: (notebooks/\S+)$", toc, re.M)]


def machine_env(core: str, threads: int) -> dict:
    """This process's environment with another OpenBLAS kernel and thread count."""
    env = dict(os.environ, OPENBLAS_CORETYPE=core)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


PROBE = """
import ctypes, glob, os, sys
import numpy as np
libs = sorted(glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs",
                                     "*openblas*.so*")))
if not libs:
    sys.exit(3)
lib = ctypes.CDLL(libs[0])
for suffix in ("64_", "", "_64"):
    for prefix in ("scipy_openblas", "openblas"):
        name = getattr(lib, f"{prefix}_get_corename{suffix}", None)
        threads = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
        if name is not None and threads is not None:
            name.restype = ctypes.c_char_p
            print(name().decode(), threads())
            sys.exit(0)
sys.exit(3)
"""


@pytest.mark.machines
@pytest.mark.parametrize(("core", "threads"), CONFIGS, ids=[f"{c}-{t}" for c, t in CONFIGS])
def test_openblas_obeys_the_environment(core, threads):
    """The variables really select numpy's kernels and threads (else the runs prove little)."""
    out = subprocess.run([sys.executable, "-c", PROBE], env=machine_env(core, threads),
                         capture_output=True, text=True, timeout=120)
    if out.returncode == 3:
        pytest.skip("numpy's BLAS is not a bundled OpenBLAS with get_corename")
    assert out.returncode == 0, out.stderr
    name, count = out.stdout.split()
    assert (name, int(count)) == (CORENAMES[core], threads), (
        f"OPENBLAS_CORETYPE={core} with {threads} threads gave core {name}, {count} threads")


def test_chapters_are_read_from_the_toc():
    found = chapters()
    assert found and all((ROOT / nb).is_file() for nb in found), found
    assert "notebooks/03_correlated_retraining.ipynb" in found


@pytest.mark.machines
@pytest.mark.slow
@pytest.mark.parametrize("notebook", chapters(), ids=lambda nb: Path(nb).stem)
@pytest.mark.parametrize(("core", "threads"), CONFIGS, ids=[f"{c}-{t}" for c, t in CONFIGS])
def test_checked_outputs_on_other_machines(notebook, core, threads):
    """nbval of one chapter under one (kernel, threads): the committed outputs, every time."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *NBVAL_FLAGS,
           notebook]
    out = subprocess.run(cmd, cwd=ROOT, env=machine_env(core, threads), capture_output=True,
                         text=True, timeout=TIMEOUT)
    assert out.returncode == 0, (
        f"{notebook} under OPENBLAS_CORETYPE={core}, {threads} thread(s):\n"
        + "\n".join(out.stdout.splitlines()[-60:]))
