"""Shared fixtures; the tests' own folder is importable (``notebook_tools``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402
import torch  # noqa: E402


def pytest_configure(config):
    """Markers beyond pyproject's: ``machines`` selects the runs of the chapters under other
    BLAS kernels and thread counts (tests/test_machine_independence.py)."""
    config.addinivalue_line(
        "markers", "machines: re-runs the chapters' checked cells under other OpenBLAS kernels "
        "and thread counts (deselect with -m 'not machines')")


@pytest.fixture
def one_thread():
    """One torch thread: faster for tiny models on a shared 2-core machine, and bitwise
    reproducible whatever the machine's default."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
