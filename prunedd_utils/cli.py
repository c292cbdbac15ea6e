"""The command line: ``python -m prunedd_utils {list,show,sweep}``.

Answers ``--help``, ``list`` and ``show`` without importing torch. A user error (unknown
sweep or preset, a bad parameter or setting, a missing data set) prints one line and exits
with status 2, before any run starts.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys

from . import paths, sweeps

ENVIRONMENT = """\
environment variables:
  PRUNEDD_DATA_ROOT  data sets: <name>.npz or torchvision's files (default ~/.cache/prunedd/data)
  PRUNEDD_RESULTS    small JSON results, one folder per run (default <repository>/results)
  PRUNEDD_CACHE      checkpoints, weights and masks, never in git (default ~/.cache/prunedd)
  PRUNEDD_DEVICE     cpu, cuda, cuda:1, ... (default: CUDA when available, else the CPU)

examples:
  python -m prunedd_utils list
  python -m prunedd_utils show two_layer
  python -m prunedd_utils sweep resnet20 --preset tiny
  python -m prunedd_utils sweep two_layer --backend dask --workers 2
  python -m prunedd_utils sweep two_layer -p epochs=20 -p "seeds=(0, 1)"
"""

STATUS_KEYS = ["hash", "status", "label_noise", "width", "prune", "base_width", "seed",
               "train_err", "test_err", "seconds"]


class UserError(Exception):
    """A mistake in the command line, reported in one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m prunedd_utils",
        description="Run, resume and inspect the book's stored neural-network sweeps.",
        epilog=ENVIRONMENT, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="the sweeps and their presets, with their numbers of runs")
    for name, text in (("show", "stored, failed and missing runs of a sweep"),
                       ("sweep", "train what is missing of a sweep (resumable); print its table")):
        p = sub.add_parser(name, help=text, epilog=ENVIRONMENT,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("name", help=f"the sweep: one of {', '.join(sweeps.NAMES)}")
        p.add_argument("--preset", default="cpu",
                       help="tiny (tests), cpu (the stored results; default) or gpu")
        p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                       help="override a parameter of the sweep's settings() (a Python literal)")
        if name == "sweep":
            p.add_argument("--backend", default="local", choices=("local", "dask"),
                           help="local (one run at a time, default) or dask")
            p.add_argument("--workers", type=int, default=2,
                           help="dask: single-thread worker processes of a local cluster")
            p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                           help="dask: the address of a running scheduler (tcp://host:8786)")
            p.add_argument("--threads", type=int, default=0,
                           help="local: torch CPU threads (0 = torch's default)")
            p.add_argument("--retry-failed", action="store_true",
                           help="train again the runs stored as failed (diverged)")
            p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _params(module, pairs: list[str]) -> dict:
    allowed = list(inspect.signature(module.settings).parameters)
    out = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or name not in allowed:
            raise UserError(f"--param must be NAME=VALUE with NAME one of {allowed}, got {pair!r}")
        try:
            out[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            out[name] = text
    return out


def _checked(step, *args):
    """Run a step of the preflight; its ValueError, TypeError or FileNotFoundError is the
    user's mistake (bad name, parameter, setting or data root) and becomes a UserError."""
    try:
        return step(*args)
    except (ValueError, TypeError, FileNotFoundError) as err:
        raise UserError(str(err)) from err


def _settings(args) -> tuple[object, list]:
    module = _checked(sweeps.get, args.name)
    if args.preset not in module.PRESETS:
        raise UserError(f"--preset must be one of {tuple(module.PRESETS)} for sweep "
                        f"{args.name!r}, got {args.preset!r}")
    params = {**module.PRESETS[args.preset], **_params(module, args.param)}
    return module, _checked(lambda: module.settings(**params))


def _list() -> None:
    for name in sweeps.NAMES:
        module = sweeps.get(name)
        sizes = ", ".join(f"{p}: {len(module.settings(**kw))} runs"
                          for p, kw in module.PRESETS.items())
        print(f"{name}\n  {module.DESCRIPTION}\n  presets: {sizes}")


def _show(args) -> None:
    from .runs import Run, format_table, summary

    module, settings = _settings(args)
    rows, missing = [], []
    for s in settings:
        run = Run(s, module.EXPERIMENT)
        status = run.status()
        if status in ("done", "failed"):
            rows.append(summary(s, run.metrics()))
        else:
            missing.append((s.hash, status))
    print(f"sweep {args.name}, preset {args.preset}: {len(settings)} runs in "
          f"{paths.results_root() / module.EXPERIMENT}")
    print(f"  stored {len(rows)} (failed {sum(r['status'] == 'failed' for r in rows)}), "
          f"to train {len(missing)} (started {sum(st == 'running' for _, st in missing)})")
    if rows:
        print(format_table(rows, STATUS_KEYS))
    if missing:
        print("to train: " + " ".join(h for h, _ in missing))


def _preflight(settings: list) -> None:
    """Check the settings and the data sets before anything is written or trained."""
    from .neural import data

    for s in settings:
        s.validate()
    for name in sorted({s.dataset for s in settings}):
        data.load(name)  # missing or malformed data fails here, in one line


def _sweep(args) -> None:
    from .runs import Run, format_table, sweep

    module, settings = _settings(args)
    if args.workers < 1 or args.threads < 0:
        raise UserError(f"--workers must be >= 1 and --threads >= 0, got {args.workers} and "
                        f"{args.threads}")
    from . import runtime

    _checked(_preflight, settings)
    stored = sum(Run(s, module.EXPERIMENT).status() in ("done", "failed") for s in settings)
    where = args.scheduler or (f"{args.workers} single-thread workers"
                               if args.backend == "dask" else "this process")
    print(f"sweep {args.name} (preset {args.preset}) on {runtime.device()}, backend "
          f"{args.backend} ({where})\n  data    {paths.data_root()}\n  results "
          f"{paths.results_root() / module.EXPERIMENT}\n  cache   {paths.cache_root()}\n"
          f"  runs: {len(settings)}, stored {stored}, to train {len(settings) - stored}",
          flush=True)

    def on_row(row):
        print(format_table([row], STATUS_KEYS).splitlines()[1], flush=True)

    rows = sweep(settings, module.EXPERIMENT, backend=args.backend, progress=not args.quiet,
                 retry_failed=args.retry_failed, on_row=on_row, threads=args.threads,
                 workers=args.workers, scheduler=args.scheduler)
    print(format_table(rows, STATUS_KEYS))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            _list()
        elif args.command == "show":
            _show(args)
        else:
            _sweep(args)
    except UserError as err:
        print(f"prunedd: error: {err}", file=sys.stderr)
        return 2
    return 0
