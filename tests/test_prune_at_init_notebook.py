"""Chapter 08's parameters cell is the cpu preset of both of its sweeps (synthetic and
real data), so the book shows the stored results and papermill presets mean the same."""

from __future__ import annotations

import inspect
from pathlib import Path

from prunedd_utils.sweeps import prune_at_init as sweep

from notebook_tools import parameters_cell

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_pruning_at_init.ipynb"
NOTEBOOK_ONLY = {"compute_below"}


def _cpu(function, presets, skip=()) -> dict:
    defaults = {k: p.default for k, p in inspect.signature(function).parameters.items()
                if k not in skip}
    return {**defaults, **presets["cpu"]}


def _same(a, b) -> bool:
    return a == (list(b) if isinstance(b, tuple) else b)


def test_parameters_cell_is_both_cpu_presets():
    params = parameters_cell(NOTEBOOK)
    synthetic = _cpu(sweep.synthetic_settings, sweep.SYNTHETIC_PRESETS)
    fashion = _cpu(sweep.settings, sweep.PRESETS, skip={"width"})
    fm = {k.removeprefix("real_"): v for k, v in params.items() if k.startswith("real_")}
    plain = {k: v for k, v in params.items() if not k.startswith("real_")}
    assert set(plain) - NOTEBOOK_ONLY == set(synthetic)
    assert set(fm) == set(fashion)
    for k, v in synthetic.items():
        assert _same(plain[k], v), k
    for k, v in fashion.items():
        assert _same(fm[k], v), k
    assert sweep.settings(**fm) == sweep.settings(**fashion)
