"""The threshold study's answers to its three questions, as verdicts and short texts.

:func:`answers` applies the rules of the threshold chapters to one
:class:`~prunedd_utils.threshold_results.Study` (``threshold_results.findings`` and
``summarize``, the book's seed rule of ``verdicts``) and returns the printed evidence
together with each verdict as a short text keyed by name, which the chapter glues into its
prose. Chapters 07 (MNIST-1D) and 07b (CIFAR-10) call it the same way, so their answers
are computed by one rule and can be set side by side (:func:`side_by_side`).

Unless said otherwise, an answer is for the width nearest the IT (``plan["center"]``),
pruned from its final weights and fine-tuned. What a study did not run (a checkpoint, a
mode) is ``-`` in the texts and missing from the printed lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import verdicts
from .threshold_results import (
    Study,
    comparable_sizes,
    dense_distance_peak,
    distance_peak_level,
    epoch_dd,
    findings,
    model_dd,
    summarize,
)
from .verdicts import band_text

VERDICT = {"lower": "recovers", "tie": "does not recover beyond the margin",
           "higher": "gets worse"}
COMPARED = {"lower": "better than", "tie": "no better than", "higher": "worse than"}
NONE = "-"


@dataclass(frozen=True)
class Answers:
    """``lines``: the printed evidence, one verdict per line; ``text``: each verdict as a
    short text by name (``q1_best``, ``q2_where``, ...) for ``myst_nb.glue``."""

    lines: list
    text: dict

    def print(self) -> None:
        """Print the evidence."""
        print("\n".join(self.lines))


def at(rows: list, width: int, checkpoint: str = "final") -> dict | None:
    """The ``summarize`` row of ``checkpoint`` at ``width`` (None: not pruned there)."""
    return next((f for f in rows if f["width"] == width and f["checkpoint"] == checkpoint),
                None)


def first_levels(f: dict) -> str:
    """The first recovered level of each seed of a summary, ``-`` for none."""
    return ", ".join(NONE if a is None else str(a) for a in f["recovers_at"])


def widths_where(rows: list, test, name: str = "h") -> str:
    """The widths pruned from final weights whose summary passes ``test``, as text."""
    ws = [f["width"] for f in rows if f["checkpoint"] == "final" and test(f)]
    return ", ".join(f"{name} = {w}" for w in ws) if ws else "none"


def recovers(f: dict) -> bool:
    """The summary's best error is lower than its start by the seed rule."""
    return f["recovery"].outcome == "lower"


def _recovery(st: Study, ft: list, rw: list, n_test: int, name: str) -> Answers:
    """Question 1: does the IT network recover when pruned (fine-tuned, from its optimum,
    with weight rewinding), and is either better than the dense early-stopping optimum?"""
    c = st.plan["center"]
    f, opt, r = at(ft, c), at(ft, c, "optimum"), at(rw, c)
    ft_early = _against_early_stopping(st, "finetune", n_test)
    text = dict(q1_start=band_text(f["start"]), q1_best=band_text(f["best"]),
                q1_verdict=VERDICT[f["recovery"].outcome],
                q1_ft_widths=widths_where(ft, recovers, name),
                n_final=str(sum(g["checkpoint"] == "final" for g in ft)),
                q1_optimum=f"{ft_early.b:.3f}", q1_ft_early=COMPARED[ft_early.outcome])
    lines = [f"1. fine-tuned, at the IT ({name} = {c}): start {text['q1_start']}, best "
             f"{text['q1_best']}: {text['q1_verdict']}",
             f"   fine-tuned, widths that recover: {text['q1_ft_widths']} (of "
             f"{text['n_final']})",
             f"   fine-tuned best against the IT's early-stopping optimum {text['q1_optimum']}"
             f": {ft_early.outcome}"]
    text.update(q1_opt_start=NONE, q1_opt_best=NONE, q1_opt_verdict=NONE)
    if opt is not None:
        text.update(q1_opt_start=band_text(opt["start"]), q1_opt_best=band_text(opt["best"]),
                    q1_opt_verdict=VERDICT[opt["recovery"].outcome])
        lines.append(f"   fine-tuned from the IT's optimum (test {text['q1_opt_start']}): "
                     f"{text['q1_opt_verdict']}, best {text['q1_opt_best']}")
    text.update(q1_rw_best=NONE, q1_rw_verdict=NONE, q1_rw_levels=NONE, q1_rw_widths=NONE,
                q1_early=NONE, q1_early_verdict=NONE)
    if r is not None:
        early = _against_early_stopping(st, "rewind_weights", n_test)
        text.update(q1_rw_best=band_text(r["best"]), q1_rw_verdict=VERDICT[r["recovery"].outcome],
                    q1_rw_levels=first_levels(r), q1_rw_widths=widths_where(rw, recovers, name),
                    q1_early=f"{early.b:.3f}", q1_early_verdict=COMPARED[early.outcome])
        lines += [f"   weight rewinding, at the IT: best {text['q1_rw_best']}: "
                  f"{text['q1_rw_verdict']}, first at levels {text['q1_rw_levels']}",
                  f"   weight rewinding, widths that recover: {text['q1_rw_widths']}",
                  f"   rewinding's best against the IT's early-stopping optimum "
                  f"{text['q1_early']}: {early.outcome}"]
    return Answers(lines, text)


def _against_early_stopping(st: Study, mode: str, n_test: int) -> verdicts.Comparison:
    """The best errors of ``mode`` from the IT width's final weights against the same
    seeds' dense early-stopping optima (the lowest test error the dense run saw): whether
    pruning beats simply stopping the dense network early."""
    c = st.plan["center"]
    runs = st.pick(mode=mode, final=True, width=c)
    return verdicts.compare([t.test.min() for t in runs],
                            [st.plan["checkpoints"][(c, t.seed)].optimum_err for t in runs],
                            n_test)


def _retrace(st: Study, ft: list, rows: list, name: str) -> Answers:
    """Question 2: does the fine-tuned trajectory follow the dense curve, and how many
    single runs show a sparse double descent or pass through the dense peak?"""
    f = at(ft, st.plan["center"])
    n_dd = sum(r["sparse_dd"] for r in rows)
    n_peak = sum(r["through_peak"] for r in rows)
    text = dict(q2_where=f["where"], q2_gap=band_text(f["mean_gap"], "+.3f"),
                q2_follow=widths_where(ft, lambda g: g["where"] == "follows", name),
                q2_above=widths_where(ft, lambda g: g["where"] == "above", name),
                q2_below=widths_where(ft, lambda g: g["where"] == "below", name),
                q2_dd=f"{n_dd} of {len(rows)}", q2_peak=f"{n_peak} of {len(rows)}")
    lines = [f"2. fine-tuned, at the IT, against the dense curve: {text['q2_where']} (mean gap "
             f"{text['q2_gap']})",
             f"   widths whose trajectory follows the dense curve: {text['q2_follow']}; above "
             f"it: {text['q2_above']}; below it: {text['q2_below']}",
             f"   fine-tuned runs with a sparse DD: {text['q2_dd']}; through the dense peak: "
             f"{text['q2_peak']}"]
    return Answers(lines, text)


def _distance_at_sparse_it(st: Study, fitting: list) -> str:
    """Where each fine-tuned trajectory's mean learning distance is largest, as a multiple
    of its own sparse IT: the range over the widths that fit, as text."""
    it_params = st.params_of(st.plan["threshold"].threshold)
    ratios = []
    for f in fitting:
        trajs = st.pick(mode="finetune", final=True, width=f["width"])
        at_peak = trajs[0].params[distance_peak_level(trajs)]
        ratios.append(at_peak / (f["sparse_it_ratio"][0] * it_params))
    return f"{min(ratios):.2f} to {max(ratios):.2f}" if ratios else NONE


def sparse_it_rises(fitting: list) -> bool | None:
    """Whether the sparse IT rises with the starting width, over the summaries (pruned
    from final weights, in increasing width) of the widths whose runs fit at their first
    level: the seed means increase from width to width, and the seeds' range at the widest
    lies wholly above the range at the narrowest (so the rise is more than the seeds'
    scatter). None when fewer than two widths fit: nothing to compare."""
    if len(fitting) < 2:
        return None
    bands = [f["sparse_it_ratio"] for f in fitting]
    means = [b[0] for b in bands]
    return bool(np.all(np.diff(means) > 0) and bands[-1][1] > bands[0][2])


def _sparse_it(st: Study, ft: list, rw_rows: list, name: str) -> Answers:
    """Question 3: down to how many parameters do the pruned networks fit the noisy labels,
    against the dense IT, and does that rise with the starting width?"""
    f = at(ft, st.plan["center"])
    fitting = [g for g in ft if g["checkpoint"] == "final" and g["sparse_it_ratio"]]
    rises = sparse_it_rises(fitting)
    by_width = ", ".join(f"{name} = {g['width']} " + (NONE if g["sparse_it_ratio"] is None
                                                      else f"{g['sparse_it_ratio'][0]:.2f}")
                         for g in ft if g["checkpoint"] == "final")
    text = dict(q3_ratio=band_text(f["sparse_it_ratio"], ".2f"),
                q3_fits=f"{f['fits']} of {len(f['seeds'])}",
                rw_fit=NONE, sparse_rises={None: NONE, True: "rises", False:
                                           "does not rise clearly"}[rises],
                dist_at=_distance_at_sparse_it(st, fitting))
    lines = [f"3. sparse IT at the IT: {text['q3_ratio']} x the dense IT ({text['q3_fits']} "
             f"seeds fit at their first level); by width: {by_width}"]
    if rw_rows:  # counted over runs: a run pruning "interpolation+final" is one run
        text["rw_fit"] = (f"{sum(r['sparse_it_ratio'] is not None for r in rw_rows)} of "
                          f"{len(rw_rows)}")
        lines.append(f"   weight-rewound runs that fit at their first level: {text['rw_fit']}")
    lines += [f"   the sparse IT rises with the starting width (means rise, ranges apart): "
              f"{text['sparse_rises']}",
              f"   largest learning distance of a trajectory at {text['dist_at']} x its "
              f"sparse IT"]
    return Answers(lines, text)


def _prior_work(st: Study, ft: list, n_test: int, name: str) -> Answers:
    """The dense learning distance's peak, epoch-wise double descent, compact sizes, and
    the compute the study took."""
    found = st.plan["threshold"]
    distance_peak = dense_distance_peak(st)
    peak = NONE if found.peak_width is None else f"{name} = {found.peak_width}"
    epochs = {w: epoch_dd(st, w, n_test) for w in st.plan["widths"]}
    ep_dd = ", ".join(f"{name} = {w}" for w, d in epochs.items() if d["holds"]) or "no width"
    at_it = epochs[st.plan["center"]]
    _, _, comparable = comparable_sizes(st, ft)
    text = dict(dist_peak=str(distance_peak), epoch_dd=ep_dd,
                it_rise=at_it["rise"].outcome, it_fall=at_it["fall"].outcome,
                dd_rise=NONE if found.dd.peak is None else f"{100 * found.dd.rise:.1f}",
                dd_fall=NONE if found.dd.peak is None else f"{100 * found.dd.fall:.1f}",
                dd_seed_rule="holds" if model_dd(st, n_test)["holds"] else "does not hold",
                comparable="comparable" if comparable else "not comparable",
                hours=f"{st.hours():.1f}")
    lines = [f"learning distance: largest at {name} = {distance_peak} (test-error peak "
             f"{peak}, IT {name} = {found.threshold})",
             f"epoch-wise DD at: {ep_dd}",
             f"compact sizes from different widths: {text['comparable']}",
             f"compute: {st.hours():.2f} h of one CPU thread in all, on "
             f"{', '.join(st.devices())}"]
    return Answers(lines, text)


def answers(st: Study, n_test: int, tol: float, name: str = "h") -> Answers:
    """The study's answers (see the module's docstring): recovery, retracing, the sparse
    IT, then the prior work's measures, each by its chapter's rule over the seeds.

    The questions are about the IT: ValueError unless the study found one (widths given
    by hand have none) and pruned its final weights with fine-tuning.
    """
    found, center = st.plan["threshold"], st.plan["center"]
    if found is None or found.threshold is None or not st.pick(
            mode="finetune", final=True, width=center):
        raise ValueError("answers need a study with an interpolation threshold whose final "
                         "weights were pruned with fine-tuning (checkpoints must include "
                         "'final' and modes 'finetune'; widths_to_prune must be 'auto')")
    rows = findings(st, n_test, tol)
    rw_rows = findings(st, n_test, tol, mode="rewind_weights")
    ft, rw = summarize(rows, n_test), summarize(rw_rows, n_test)
    parts = (_recovery(st, ft, rw, n_test, name), _retrace(st, ft, rows, name),
             _sparse_it(st, ft, rw_rows, name), _prior_work(st, ft, n_test, name))
    return Answers([line for p in parts for line in p.lines],
                   {k: v for p in parts for k, v in p.text.items()})


def side_by_side(studies: dict) -> list[str]:
    """The verdicts of several studies (``{label: Answers}``) in the same words,
    two lines each: the dense sweep's (double descent by the seed rule, epoch-wise double
    descent at any pruned width), then those at the width nearest its IT, pruned from its
    final weights (recovery fine-tuned and with weight rewinding, the side of the dense
    curve, the sparse IT), and the sparse DD over all its fine-tuned runs."""
    out = []
    for label, a in studies.items():
        t = a.text
        out += [f"{label}: dense DD by the seed rule {t['dd_seed_rule']}; epoch-wise DD at "
                f"{t['epoch_dd']}",
                f"{'':>{len(label)}}  at the IT, fine-tuned: {t['q1_verdict']}; weight "
                f"rewinding: {t['q1_rw_verdict']}; dense curve: {t['q2_where']}; sparse IT "
                f"{t['q3_ratio']} x IT; sparse DD in {t['q2_dd']} fine-tuned runs"]
    return out
