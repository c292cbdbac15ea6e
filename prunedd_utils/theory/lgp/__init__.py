"""Linear Gaussian problems (LGP): theory and simulation of pruning min-norm least squares.

``from prunedd_utils.theory import lgp`` exposes

* the distributional characterization (:mod:`.dc`): :func:`solve_zeta`, :func:`dense_tau2`,
  :func:`dc_moments`, :func:`dc_prediction`, :func:`least_squares_factor`;
* the batched solver (:mod:`.solve`): :func:`min_norm`;
* the predicted risks (:mod:`.risk`): :func:`theory_risk`, :func:`theory_curve`,
  :func:`threshold_loss`, :func:`dc_retrain_risk_mc`;
* the simulator (:mod:`.simulate`): :func:`simulate_curve`, :func:`empirical_risk`.
"""

from .dc import dc_moments, dc_prediction, dense_tau2, least_squares_factor, solve_zeta
from .risk import METHODS, dc_retrain_risk_mc, theory_curve, theory_risk, threshold_loss
from .simulate import empirical_risk, simulate_curve
from .solve import min_norm

__all__ = [
    "METHODS",
    "dc_moments",
    "dc_prediction",
    "dc_retrain_risk_mc",
    "dense_tau2",
    "empirical_risk",
    "least_squares_factor",
    "min_norm",
    "simulate_curve",
    "solve_zeta",
    "theory_curve",
    "theory_risk",
    "threshold_loss",
]
