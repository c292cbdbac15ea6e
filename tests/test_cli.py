"""The command line as a user meets it: quick help, one-line errors with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from prunedd_utils import cli, sweeps


def _run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "prunedd_utils", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_help_imports_no_torch_and_names_the_environment():
    # --help, list and show must answer without loading torch (that takes seconds)
    code = ("import sys\nfrom prunedd_utils import cli\n"
            "for a in (['list'], ['show', 'two_layer']):\n    cli.main(a)\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    for var in ("PRUNEDD_DATA_ROOT", "PRUNEDD_RESULTS", "PRUNEDD_CACHE", "PRUNEDD_DEVICE"):
        assert var in out.stdout


def test_list_names_every_sweep_and_preset_with_its_size(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in sweeps.NAMES:
        assert name in out
        for preset, params in sweeps.get(name).PRESETS.items():
            assert f"{preset}: {len(sweeps.get(name).settings(**params))} runs" in out


@pytest.mark.parametrize("args, env, message", [
    (["sweep", "nope"], {}, "sweep must be one of"),
    (["show", "two_layer", "--preset", "huge"], {}, "--preset must be one of"),
    (["sweep", "two_layer", "--preset", "tiny", "-p", "epochs=0"], {},
     r"epochs must be an integer in [1, inf)"),
    (["sweep", "two_layer", "-p", "nonsense=1"], {}, "--param must be NAME=VALUE"),
    (["sweep", "two_layer", "--preset", "tiny"], {"PRUNEDD_DATA_ROOT": "/nonexistent"},
     "data set 'fashion_mnist' not found under /nonexistent"),
])
def test_a_user_error_prints_one_line_and_exits_2(tmp_path, args, env, message):
    env = {"PRUNEDD_RESULTS": str(tmp_path / "r"), "PRUNEDD_CACHE": str(tmp_path / "c"), **env}
    out = _run(*args, env=env)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("prunedd: error: ")
    assert message in lines[0]
    assert not (tmp_path / "r").exists()  # nothing written


def test_show_counts_stored_and_missing_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path))
    assert cli.main(["show", "resnet20", "--preset", "tiny"]) == 0
    out = capsys.readouterr().out
    n = len(sweeps.settings("resnet20", "tiny"))
    assert f"stored 0 (failed 0), to train {n}" in out
