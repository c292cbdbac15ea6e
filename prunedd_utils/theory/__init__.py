"""The theory of pruning: numpy and scipy only, never torch.

The chapters import the modules they need, for example
``from prunedd_utils.theory import lgp, general_sigma``:

* :mod:`.lgp` (a package): the diagonal-covariance theory, the distributional
  characterization (:mod:`.lgp.dc`), batched min-norm least squares (:mod:`.lgp.solve`),
  the predicted risks of train-prune(-retrain) (:mod:`.lgp.risk`) and their Monte Carlo
  simulator (:mod:`.lgp.simulate`), the paper's claims scanned over parameters
  (:mod:`.lgp.scan`) and the finite-size gap to the theory (:mod:`.lgp.convergence`);
* :mod:`.general_sigma`: the same theory for any covariance, in its eigenbasis, with the
  empirical train-prune-retrain pipeline on sampled data;
* :mod:`.correlated`: Lemma 1 (copies of one feature) and the equicorrelated family;
* :mod:`.random_features`: ReLU random features and their equivalent linear Gaussian problem;
* :mod:`.patch_model`: the signal-and-noise patch data of Cao et al. (2022) and the
  conditions derived in chapter 08 for random pruning at initialization.

Importing this package loads none of them; each is imported on first use.
"""

__all__ = ["correlated", "general_sigma", "lgp", "patch_model", "random_features"]
