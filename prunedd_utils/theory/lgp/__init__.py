"""Linear Gaussian problems (LGP): theory and simulation of pruning min-norm least squares.

``from prunedd_utils.theory import lgp`` exposes

* the distributional characterization (:mod:`.dc`): :func:`solve_zeta`, :func:`dense_tau2`,
  :func:`dc_moments`, :func:`dc_prediction`, :func:`least_squares_factor`;
* the batched solver (:mod:`.solve`): :func:`min_norm`;
* the predicted risks (:mod:`.risk`): :func:`theory_risk`, :func:`theory_curve`,
  :func:`threshold_loss`, :func:`dc_retrain_risk_mc`;
* the simulator (:mod:`.simulate`): :func:`simulate_curve`, :func:`empirical_risk`;
* the paper's Fig. 3 problems and claims (:mod:`.scan`): :func:`spiked_problem`,
  :func:`oracle_retraining_risk`, :func:`missing_energy`, :func:`claim_margins`,
  :func:`scan_claims`, :func:`scan_table`, :func:`verdict`;
* the finite-size gap between simulation and the DC, and its rate (:mod:`.convergence`,
  imported as ``from prunedd_utils.theory.lgp import convergence``).
"""

from .dc import dc_moments, dc_prediction, dense_tau2, least_squares_factor, solve_zeta
from .risk import METHODS, dc_retrain_risk_mc, theory_curve, theory_risk, threshold_loss
from .scan import (
    CLAIMS,
    claim_margins,
    missing_energy,
    oracle_retraining_risk,
    scan_claims,
    scan_table,
    spiked_problem,
    verdict,
)
from .simulate import empirical_risk, simulate_curve
from .solve import min_norm

__all__ = [
    "CLAIMS",
    "METHODS",
    "claim_margins",
    "dc_moments",
    "dc_prediction",
    "dc_retrain_risk_mc",
    "dense_tau2",
    "empirical_risk",
    "least_squares_factor",
    "min_norm",
    "missing_energy",
    "oracle_retraining_risk",
    "scan_claims",
    "scan_table",
    "simulate_curve",
    "solve_zeta",
    "spiked_problem",
    "theory_curve",
    "theory_risk",
    "threshold_loss",
    "verdict",
]
