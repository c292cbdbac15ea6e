"""Does ``torch.compile`` pay off over one run of the ResNet-20 sweep's ``cpu`` preset?

Baseline: a run of the preset's widest dense network (its width, training images, batch,
augmentation, evaluation on the full test set) trained eagerly for a few epochs through the
pipeline, on the torch threads of this process. The same run with ``compile=True``
(inductor, default mode) pays a one-time cost: each new input shape (the full batches, the
last short batch, the evaluation batches) and mode (training, evaluation) compiles once.
The script prints the seconds per training epoch of each (median over the epochs between
the first and the last, which alone evaluates), the compiled run's extra time (the one-time
cost), the speed-up, and the number of epochs after which compilation has paid for
itself, against the preset's epochs.

Run: ``PRUNEDD_DATA_ROOT=... OMP_NUM_THREADS=1 python benchmarks/bench_compile.py``
(``--epochs``: epochs of each timed run, default 5; ``--width``: default the preset's widest;
``--out F.json``: also write the numbers, which chapter 06 reads from
``results/benchmarks/``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import tempfile

# a cold compilation: inductor's on-disk cache would otherwise make a second invocation
# of this script measure a warm one (set before torch is imported)
os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench_compile_inductor-")

import torch  # noqa: E402

from prunedd_utils import runtime, sweeps  # noqa: E402
from prunedd_utils.runs import pipeline  # noqa: E402


def timed_run(s, compile_: bool) -> list[float]:
    """Seconds of each epoch of one run (its last one with the test evaluation), in a
    scratch store."""
    s = dataclasses.replace(s, compile=compile_)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PRUNEDD_RESULTS"] = os.path.join(tmp, "results")
        os.environ["PRUNEDD_CACHE"] = os.path.join(tmp, "cache")
        m = pipeline.execute(s, "bench_compile", progress=False)
    return [h["seconds"] for h in m["history"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs of each timed run (>= 4)")
    parser.add_argument("--width", type=int, default=0, help="ResNet-20 width (0: widest)")
    parser.add_argument("--out", default="", help="also write the numbers to this JSON file")
    args = parser.parse_args()
    if args.epochs < 4:
        parser.error(f"--epochs must be >= 4, got {args.epochs}")
    preset = sweeps.settings("resnet20", "cpu")
    width = args.width or max(s.width for s in preset)
    base = next(s for s in preset if s.width == width and not s.is_pruned)
    s = dataclasses.replace(base, epochs=args.epochs, eval_every=args.epochs)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU capability "
          f"{runtime.cpu_capability()}; ResNet-20 k={width}, {s.n_train} images, batch "
          f"{s.batch_size}, {args.epochs} epochs, test evaluations after the last epoch")
    pipeline.load_data(s)  # both runs find the data in memory: neither pays for loading
    eager = timed_run(s, False)
    comp = timed_run(s, True)
    e, c = statistics.median(eager[1:-1]), statistics.median(comp[1:-1])
    # what the compiled run's first epoch (training graphs, the short last batch) and last
    # epoch (evaluation graphs) cost beyond the eager ones, the steady difference of two
    # epochs aside: paid once per run (a faster or slower compiled evaluation counts here)
    once = (comp[0] + comp[-1]) - (eager[0] + eager[-1]) - 2 * (c - e)
    print(f"eager    {e:6.2f} s/epoch ({sum(eager):6.1f} s in all)")
    print(f"compiled {c:6.2f} s/epoch ({sum(comp):6.1f} s in all): speed-up {e / c:.2f}x per "
          f"epoch, one-time cost {once:.0f} s")
    fraction = (once + c * base.epochs) / (e * base.epochs)  # compiled run / eager run
    if c < e:
        print(f"compilation pays off after {once / (e - c):.0f} epochs; a dense run of the "
              f"preset trains {base.epochs}: compiled, it would take {fraction:.0%} of the "
              f"eager time")
    else:
        print("compiled epochs are not faster here: compilation never pays off")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"width": width, "epochs": base.epochs, "threads":
                       torch.get_num_threads(), "cpu_capability": runtime.cpu_capability(),
                       "torch": torch.__version__, "eager_s_per_epoch": e,
                       "compiled_s_per_epoch": c, "one_time_s": once,
                       "run_fraction": fraction}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
