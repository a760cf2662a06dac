"""Value of information from a probabilistic sensitivity analysis sample: EVPI and EVPPI.

Pure functions on arrays: ``utilities`` is ``(n, k)`` (one row per draw, one column per option) and
``X`` is ``(n, p)`` (the draws of the parameters of interest).

EVPPI follows the regression idea of Strong, Oakley & Brennan (2014, Med Decis Making 34:311-326):
the conditional expectation of each option's utility given the parameters of interest is estimated by
smoothing the PSA sample on those parameters, and

    EVPPI = mean_n max_d g_d(x_n) - max_d mean_n g_d(x_n).

The smoother is **penalised least squares on cubic B-splines** of the rank scale of each parameter
(tensor products of the one-dimensional bases for a group): P-splines, as in the GAM of Strong et al.
With ``B`` the ``(n, K)`` design matrix (:func:`basis_size` functions per parameter), the fitted values
are ``g = B (G + lam P)^-1 B^T u`` with ``G = B^T B`` and the penalty ``P`` of :func:`penalty`, which
leaves only the constant free; ``lam`` is chosen by generalised cross-validation. The constant is in the
span (the B-splines sum to one) and unpenalised, so ``mean_n g_d = mean_n u_d``: the second term is the
same as in EVPI, and by Jensen EVPPI >= 0. A fit to noise can lift the first term above EVPI's on a small
sample; the estimate is then capped at EVPI, a value the truth cannot exceed.

Before 27 November 2026 (commits 4a7e1e9, 94f06fa, eda131e) the smoother was the local
average ``S = B diag(1/colsum B) B^T``. It keeps EVPPI <= EVPI on every sample but averages a parameter's
tail with the draws below it: where the decision turns in a tail it gave 70-75% of the EVPPI however many
draws, and for groups, with few functions per parameter, half of it for four parameters. Unpenalised
least squares, tried in between, fitted noise with every function of a group: five irrelevant parameters
were worth 41% of EVPI. The tests compare with closed forms and nested Monte Carlo for all three.

Known limits, measured by reviewers and by us; the smoothing bias is not in the standard error, so the
estimate +- 1.96 SE can miss the truth in every sample:

* where the decision turns only in a tail and the utilities are noisy, GCV smooths the tail away and the
  estimate is low: for ``U2 - U1 = x - 2.5 + z`` (truth 0.002) 27% of the truth at 4000 draws and 50% at
  10,000 (unpenalised least squares: 134% and 116%);
* a group does far worse in a tail than its member alone. For ``U2 - U1 = x1 - 2`` (no noise, so EVPPI = EVPI)
  a group of three at 4000 draws gives about 24% of EVPI, a pair 100%; with ``+ z`` at 10,000 draws, the
  member alone about 84% of the truth, a pair 55%, a group of three 25%, each +- 1.96 SE rarely holding it;
* a group gets 4 functions per parameter, a cubic in each rank, where 6 would leave fewer than 20 draws per
  function (pairs below 720 draws, groups of three below 4320, of four and five always), and a cubic misfits a
  curved effect: ``U2 - U1 = exp(x1) - 1.5 + z`` beside two parameters that do not matter gave 0.574 at 4000
  draws (truth 0.531), as ``x1`` alone does with 4 functions. Six per parameter gave 0.509, but a linear member
  beside irrelevant ones then came out 6-9% low (it was 2-4% low), the larger basis calling for a larger weight
  that shrinks its slope; the sizes were kept;
* a group has one penalty weight. The EVSI of a study of the four modality hazard ratios (case 3, 10,000
  draws) fell from 0.0686 to 0.0614 when it also measured ``overnight_y90``, though measuring more cannot
  lower the true EVSI: GCV chose one weight for five statistics. One weight per parameter (as mgcv's
  ``te()``, each parameter's penalty shrinking its linear function too, weights by coordinate search) gave
  0.0677 and 0.0675, but fitted noise: a group of 3 or 5 parameters that do not matter came out worth more
  than 1% of EVPI in 3 and 5 of 10 samples (up to 6%), against none of 10 with the one weight, whose
  penalty brings in all multilinear functions at once. It is not in netlrt.

The standard error adds two independent parts in quadrature:

* the regression's error for this PSA sample, by the Monte Carlo method of Strong et al.: the fitted
  coefficients are resampled from their (heteroscedasticity-robust, cross-option) sampling distribution,
  here by a Gaussian multiplier ("wild") resampling of the residuals, and the EVPPI recomputed for each;
* the error of a finite PSA sample as a picture of the priors, as for EVPI: the SD over draws of the
  fitted value of knowing, ``max_d g_d(x_n)`` minus the reference option's, over ``sqrt(n)``.

The first alone understates the error. Over 60 samples of ``U2 - U1 = x1 + 0.1 x2`` at 4000 draws, the
EVPPI of ``x1`` (closed form ``phi(0)``) had an SD of 0.0071 against a mean regression SE of 0.0011; with
both parts the mean SE was 0.0092 and the estimate +- 1.96 SE held the closed form in 55 of 60.

References
----------
Strong M, Oakley JE, Brennan A. Estimating multiparameter partial expected value of perfect
information from a probabilistic sensitivity analysis sample: a nonparametric regression approach.
Med Decis Making. 2014;34(3):311-326.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from typing import Any

import numpy as np

from ..checks import is_integer
from ..seeding import SeedLike, as_generator
from . import MIN_DRAWS

__all__ = ["BASIS_SIZES", "Estimate", "MAX_BASIS", "MAX_GROUP", "SE_REPLICATES", "bspline_basis", "evpi", "evppi",
           "ranks"]

#: Basis functions per parameter that :func:`basis_size` chooses from (cubic B-splines need >= 4).
BASIS_SIZES: tuple[int, ...] = (4, 6, 8, 12, 16, 24, 32, 48)
#: Largest tensor-product basis for a parameter group (it bounds memory); below 20 draws per function the
#: penalty, not the basis, keeps the fit smooth.
MAX_BASIS = 1024
#: Most parameters in a group: the smallest tensor-product basis of p parameters has ``4**p`` functions, and
#: ``4**5`` is already :data:`MAX_BASIS`.
MAX_GROUP = 5
#: Penalty weights tried by generalised cross-validation, times trace(G) / trace(P) (where the penalty weighs as
#: much as the data): from practically none (least squares) to practically infinite (the mean).
LAMBDAS = np.logspace(-8.0, 10.0, 37)
#: Each effective degree of freedom counts this many times in GCV (Kim & Gu 2004): guards against GCV's
#: occasional choice of a wiggly fit to noise.
GCV_GAMMA = 1.4
#: Resampled replicates behind each standard error (50 keeps a 33-parameter ranking near one second).
SE_REPLICATES = 50  # an SD from 50 replicates is good to about 10%, ample for an error bar
_DEGREE = 3


class Estimate(float):
    """A float that carries its Monte Carlo standard error as ``.se``.

    It compares and computes like the plain float it is, so ``psa.evppi(...) <= psa.evpi()`` works.

    Examples
    --------
    >>> e = Estimate(0.25, 0.01)
    >>> float(e), e.se
    (0.25, 0.01)
    """

    se: float

    def __new__(cls, value: float, se: float) -> Estimate:
        obj = super().__new__(cls, value)
        obj.se = float(se)
        return obj

    def __getnewargs__(self) -> tuple[float, float]:  # so it pickles (e.g. to worker processes)
        return float(self), self.se

    def __repr__(self) -> str:
        return f"Estimate({float(self)!r}, se={self.se!r})"


def _check_utilities(utilities: np.ndarray) -> np.ndarray:
    u = np.asarray(utilities, dtype=float)
    if u.ndim != 2 or u.shape[0] < 2 or u.shape[1] < 2:
        raise ValueError(f"utilities: expected an (n_draws >= 2, n_options >= 2) array, got shape {u.shape}")
    if not np.isfinite(u).all():
        raise ValueError("utilities: contains NaN or infinite values; allowed: finite numbers")
    return u


def evpi(utilities: np.ndarray) -> Estimate:
    """Expected value of perfect information: ``mean max_d U_d - max_d mean U_d``.

    Parameters
    ----------
    utilities
        ``(n_draws, n_options)`` utilities of each option under each PSA draw.

    Returns
    -------
    Estimate
        EVPI (>= 0) with the standard error of the mean of the per-draw regret.

    Examples
    --------
    >>> u = np.array([[0.0, 1.0], [0.0, -1.0]])
    >>> float(evpi(u))
    0.5
    """
    u = _check_utilities(utilities)
    regret = u.max(axis=1) - u[:, int(np.argmax(u.mean(axis=0)))]  # value of knowing, draw by draw
    return Estimate(max(float(regret.mean()), 0.0), float(regret.std(ddof=1) / np.sqrt(len(regret))))


def evppi(utilities: np.ndarray, X: np.ndarray, *, n_basis: int | None = None, seed: SeedLike = 0,
          se: bool = True) -> Estimate:
    """Expected value of partial perfect information on the parameters in ``X``, by regression.

    Parameters
    ----------
    utilities
        ``(n_draws, n_options)`` utilities from a PSA sample.
    X
        ``(n_draws,)`` or ``(n_draws, p)`` values of the parameter(s) of interest in the same draws.
        A group (p > 1) is smoothed jointly by a tensor product of the one-dimensional bases.
    n_basis
        Basis functions per parameter (>= 4); ``None`` takes :func:`basis_size`. The penalty's weight is
        always chosen by generalised cross-validation.
    seed
        Randomness of the standard error's resampling only; the estimate itself is deterministic.
    se
        Compute the standard error (most of the cost); ``False`` gives NaN, e.g. to screen many parameters.

    Returns
    -------
    Estimate
        EVPPI, with ``0 <= EVPPI <= evpi(utilities)`` for every sample (see the module notes), and
        its Monte Carlo standard error as ``.se``.

    Raises
    ------
    ValueError
        For ``X`` of another length or with non-finite values, a group larger than :data:`MAX_GROUP`, a bad
        ``n_basis``, or fewer than :data:`netlrt.analysis.MIN_DRAWS` draws.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(4000, 2))
    >>> u = np.column_stack([np.zeros(4000), x[:, 0] + 0.1 * x[:, 1]])
    >>> round(float(evppi(u, x[:, 0], seed=0)), 1)   # closed form: phi(0) = 0.399
    0.4
    """
    rng = as_generator(seed)
    fit = _fit(_check_utilities(utilities), X, n_basis)
    return Estimate(fit.value, _standard_error(fit, rng) if se else float("nan"))


@dataclass(frozen=True)
class _Fit:
    """An EVPPI regression: the chosen smoother, fitted values and residuals (rows in the smoother's order of
    the draws: ``order``, or the draws' own when ``None``), and the EVPPI."""

    value: float
    smoother: _Smoother
    lam: float
    fitted: np.ndarray
    resid: np.ndarray
    order: np.ndarray | None

    def fitted_by_draw(self) -> np.ndarray:
        """The fitted values in the draws' own order."""
        if self.order is None:
            return self.fitted
        out = np.empty_like(self.fitted)
        out[self.order] = self.fitted
        return out


def _fit(u: np.ndarray, X: np.ndarray, n_basis: int | None = None, lam: float | None = None) -> _Fit:
    """:func:`evppi`'s regression and estimate, without the standard error (``u`` already checked); ``lam`` is
    the penalty's weight, chosen by GCV when ``None``."""
    x = np.asarray(X, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    n = len(u)
    if x.ndim != 2 or x.shape[0] != n or x.shape[1] < 1:
        raise ValueError(f"X: expected shape ({n},) or ({n}, p), got {np.shape(X)}")
    if x.shape[1] > MAX_GROUP:
        raise ValueError(f"X: a group of {x.shape[1]} parameters; allowed: at most {MAX_GROUP} (the smoother of p "
                         f"parameters has at least 4**p basis functions, and at most {MAX_BASIS} are allowed)")
    if not np.isfinite(x).all():
        raise ValueError("X: contains NaN or infinite values; allowed: finite numbers")
    if n_basis is not None and (not is_integer(n_basis) or n_basis < _DEGREE + 1):
        raise ValueError(f"n_basis: {n_basis!r}; allowed: an integer >= {_DEGREE + 1} or None")
    if n < MIN_DRAWS:
        raise ValueError(f"utilities: {n} draws (a PSA's n_draws); EVPPI and EVSI by regression need at least "
                         f"{MIN_DRAWS} (with fewer the fit follows the draws themselves, and a parameter's EVPPI comes "
                         "out at the EVPI); allowed: at least that many draws")

    delta = differences(u)
    # One parameter without ties is, on the rank scale, the grid (k + 0.5) / n in the order of its values:
    # with the draws sorted by it, every such parameter shares one smoother per size. The EVPPI (a mean over
    # draws) and its standard error do not depend on the draws' order.
    order = _untied_order(x[:, 0]) if x.shape[1] == 1 and n <= _GRID_CACHE_MAX else None
    if order is None:
        scaled = rank_scale(x)
    else:
        delta = delta[order]
    size = int(n_basis) if n_basis is not None else basis_size(n, x.shape[1])
    smoother = _Smoother(scaled, size) if order is None else _grid_smoother(n, size)
    lam, fitted = smoother.fit(delta, lam)

    # The value is >= 0 up to rounding; min caps it at EVPI, which a fit to noise can exceed (module notes).
    value = min(max(float(_evppi_from_fitted(fitted)), 0.0), float(evpi(u)))
    return _Fit(value, smoother, lam, fitted, delta - fitted, order)


def differences(u: np.ndarray) -> np.ndarray:
    """``(n, options - 1)``: each option's utility minus that of the option best on average (the reference).

    EVPPI regresses these: the smoother is linear, so the estimate is unchanged, and cross-validation then
    targets what the decision depends on.
    """
    ref = int(np.argmax(u.mean(axis=0)))
    return np.delete(u - u[:, [ref]], ref, axis=1)


def rank_scale(x: np.ndarray) -> list[np.ndarray]:
    """Each column of ``x`` ``(n, p)`` on the rank scale ``(rank - 0.5) / n`` (ties share their average rank,
    so a constant column gives one value)."""
    return [(ranks(col) - 0.5) / len(x) for col in x.T]


def _standard_error(fit: _Fit, rng: np.random.Generator) -> float:
    """The regression's error (the SD of the EVPPI over coefficient vectors drawn from their sampling
    distribution, Strong et al. 2014) and the PSA sample's (module notes), in quadrature.

    The coefficients are ``c = M delta`` with ``M = (G + lam P)^-1 B^T``. Their sampling distribution is
    taken as the Gaussian with the sandwich covariance ``sum_n (M_n e_n^T)(M_n e_n^T)^T``, the residuals
    ``e_n`` in place of the errors, which allows the variance to change with the parameter and the options to
    be correlated. ``M (z * e)``, with one standard normal multiplier ``z_n`` per draw shared by the options,
    has exactly that distribution; drawing it so costs one pass of the smoother per replicate, where forming
    the covariance costs ``n (q m)^2`` (``q`` functions per draw: minutes for a group of five parameters).
    """
    smoother, fitted, resid = fit.smoother, fit.fitted, fit.resid
    n, m = resid.shape
    reps = []
    batch = max(1, min(SE_REPLICATES, 2_000_000 // (n * m)))  # bounds the (n, m, batch) arrays
    for start in range(0, SE_REPLICATES, batch):
        size = min(batch, SE_REPLICATES - start)
        z = rng.standard_normal((n, 1, size))
        noise = smoother.design @ smoother.coef((resid[:, :, None] * z).reshape(n, m * size), fit.lam)
        reps.append(_evppi_from_fitted(fitted[:, :, None] + noise.reshape(n, m, size)))
    regression = float(np.concatenate(reps).std(ddof=1))
    # The PSA sample's own Monte Carlo error, as evpi's: the SD of the per-draw value of knowing, over sqrt(n).
    sample = float(np.maximum(fitted.max(axis=1), 0.0).std(ddof=1)) / np.sqrt(n)
    return float(np.hypot(regression, sample))


def _evppi_from_fitted(fitted_delta: np.ndarray) -> np.ndarray:
    """EVPPI from fitted differences ``(n, m, ...)`` against a reference option (whose own difference is 0).

    Extra trailing axes are replicates, each giving its own EVPPI.
    """
    best = np.maximum(fitted_delta.max(axis=1), 0.0).mean(axis=0)
    return best - np.maximum(fitted_delta.mean(axis=0).max(axis=0), 0.0)


def basis_size(n: int, p: int) -> int:
    """Basis functions per parameter for ``n`` draws of ``p`` parameters: the most of :data:`BASIS_SIZES` with at
    least 20 draws per tensor-product function and at most :data:`MAX_BASIS` functions (4, the fewest cubic
    B-splines, when none is)."""
    return max([k for k in BASIS_SIZES if k**p <= min(MAX_BASIS, n // 20)], default=_DEGREE + 1)


class _Smoother:
    """Penalised least squares on the cubic B-splines of rank-scaled parameters (``size`` basis functions per
    parameter): coefficients ``(G + lam P)^-1 B^T y`` with ``G = B^T B`` and the penalty ``P`` of
    :func:`penalty`, for the ``lam`` that :meth:`select` chooses by generalised cross-validation.

    The fits for every ``lam`` come from one decomposition (Demmler-Reinsch): with ``G = R R^T`` and
    ``R^-1 P R^-T = U diag(e) U^T``, ``(G + lam P)^-1 = T diag(1 / (1 + lam e)) T^T`` with ``T = R^-T U``, and
    the fit's effective degrees of freedom are ``sum 1 / (1 + lam e)``. A basis function with no draws under it
    never enters a fitted value: it is left out (its coefficient is 0).
    """

    def __init__(self, scaled: list[np.ndarray], size: int):
        from scipy.linalg import solve_triangular

        self.design = tensor_design([_design(r, size) for r in scaled], size)
        self.size, self.n = size, self.design.shape[0]
        self.used, g, pen = _normal_equations(self.design, size, len(scaled))
        floor = penalty(size, len(scaled))[1]
        root = np.linalg.cholesky(_ridged(g))
        m = solve_triangular(root, solve_triangular(root, pen, lower=True).T, lower=True)
        e, u = np.linalg.eigh((m + m.T) / 2)
        # Every penalised function has e >= floor / n (the rows of B sum to one, so G's eigenvalues are <= n); the
        # constant, which the penalty leaves free, has e = 0 up to rounding, and is made exactly free.
        self.e = np.where(e > 1e-6 * floor / self.n, e, 0.0)
        self.t = solve_triangular(root.T, u, lower=False)
        self.tgt = self.t.T @ g @ self.t  # the identity but for the ridge: residuals without refitting (select)
        self.scale = float(np.trace(g) / np.trace(pen))  # the weight at which the penalty is as large as the data

    def _coef(self, b: np.ndarray, lam: float) -> np.ndarray:
        out = np.zeros((self.design.shape[1],) + b.shape[1:])
        out[self.used] = self.t @ (b / (1.0 + lam * self.e)[:, None])
        return out

    def coef(self, y: np.ndarray, lam: float) -> np.ndarray:
        """The coefficients of each column of ``y`` ``(n, m)`` at penalty weight ``lam``."""
        return self._coef(self.t.T @ (self.design.T @ y)[self.used], lam)

    def fitted(self, y: np.ndarray, lam: float) -> np.ndarray:
        return self.design @ self.coef(y, lam)

    def fit(self, y: np.ndarray, lam: float | None = None) -> tuple[float, np.ndarray]:
        """The penalty weight, ``lam`` or chosen by :meth:`select` when ``None``, and the fitted values."""
        return self.select(y) if lam is None else (lam, self.fitted(y, lam))

    def select(self, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The penalty weight of least generalised cross-validation error for ``y`` (the first on a tie; each
        effective degree of freedom counted :data:`GCV_GAMMA` times), and the fitted values."""
        b = self.t.T @ (self.design.T @ y)[self.used]
        yy, best = float((y**2).sum()), None
        for lam in LAMBDAS * self.scale:
            d = 1.0 / (1.0 + lam * self.e)
            db = d[:, None] * b
            # |y - B T db|^2 = y'y - 2 b'db + db' T'GT db, in the basis's size instead of the draws'
            rss = max(yy - 2.0 * float((b * db).sum()) + float((db * (self.tgt @ db)).sum()), 0.0)
            score = self.n * rss / max(self.n - GCV_GAMMA * float(d.sum()), 1.0) ** 2
            if best is None or score < best[0]:
                best = (score, float(lam))
        return best[1], self.design @ self._coef(b, best[1])


def _normal_equations(design: Any, size: int, p: int, weights: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The functions with draws under them (``used``), and ``G = B^T diag(weights) B`` and the penalty
    (:func:`_restricted`) on those: every fit solves its normal equations on them alone."""
    g = gram(design, weights)
    used = np.flatnonzero(g.diagonal() > 0)
    return used, g[np.ix_(used, used)], _restricted(penalty(size, p)[0], used)


def _restricted(pen: np.ndarray, used: np.ndarray) -> np.ndarray:
    """The penalty on the ``used`` functions with their sum, the constant, left free: a principal submatrix
    alone would penalise it through the functions dropped beside it (a parameter with few distinct values).
    ``(I - c c^T) P (I - c c^T)`` with ``c`` the normalised constant, as rank-one updates."""
    sub = pen[np.ix_(used, used)]
    c = np.full(len(used), 1.0 / np.sqrt(len(used)))
    pc = sub @ c
    return sub - np.outer(c, pc) - np.outer(pc, c) + float(c @ pc) * np.outer(c, c)


def _ridged(g: np.ndarray) -> np.ndarray:
    """``g`` plus a ridge of ``1e-10`` of its mean diagonal: Cholesky works where thin data leave it singular."""
    return g + 1e-10 * float(np.trace(g)) / len(g) * np.eye(len(g))


def penalised_fit(design: Any, y: np.ndarray, weights: np.ndarray, size: int, p: int, lam: float) -> np.ndarray:
    """Fitted values of the weighted penalised least squares of :class:`_Smoother` at a given ``lam`` (a draw
    repeated ``k`` times in a resample has weight ``k``), with the same treatment of empty functions and ridge."""
    from scipy.linalg import cho_factor, cho_solve

    used, g, pen = _normal_equations(design, size, p, weights)
    a = _ridged(g) + lam * pen
    coef = np.zeros((design.shape[1],) + y.shape[1:])
    coef[used] = cho_solve(cho_factor(a), (design.T @ (weights[:, None] * y))[used])
    return design @ coef


@lru_cache(maxsize=32)
def penalty(size: int, p: int) -> tuple[np.ndarray, float]:
    """The penalty of ``p`` parameters' tensor-product coefficients (``size**p``, read-only) and its smallest
    non-zero eigenvalue: the sum over parameters of squared second differences along that parameter (P-splines,
    Eilers & Marx 1996), plus the functions this leaves free (those linear in each parameter) other than the
    constant, penalised as much as the smoothest penalised one. A large weight thus shrinks the fit to the
    mean, not to a multilinear function that noise could tilt (the "shrinkage" smooths of Wood 2017, 5.4.3)."""
    d = np.diff(np.eye(size), n=2, axis=0)
    one = d.T @ d
    pen = sum(reduce(np.kron, [one if i == j else np.eye(size) for i in range(p)]) for j in range(p))
    w, v = np.linalg.eigh(pen)
    free = w < 1e-9 * w[-1]
    null = v[:, free] - np.outer(np.full(len(pen), 1 / len(pen)), v[:, free].sum(axis=0))  # the constant removed
    basis, sv, _ = np.linalg.svd(null, full_matrices=False)
    basis = basis[:, sv > 1e-8]
    floor = float(w[~free].min())
    out = pen + floor * basis @ basis.T
    out.flags.writeable = False
    return out, floor


def gram(design: Any, weights: np.ndarray | None = None) -> np.ndarray:
    """``B^T diag(weights) B`` of a sparse design ``B`` ``(n, K)`` with ``q`` non-zero functions per row, dense.

    scipy's sparse product costs about ``n q^2``, a dense one ``n K^2`` (in BLAS, much faster per step): the
    sparse one wins for one parameter or a pair of many functions each, the dense one, summed over blocks of
    rows, for larger groups (36 s against 0.2 s for five parameters at 10,000 draws).
    """
    n, k = design.shape
    if (design.nnz // max(n, 1)) ** 2 <= k:
        weighted = design if weights is None else design.multiply(weights[:, None]).tocsr()
        return (design.T @ weighted).toarray()
    out = np.zeros((k, k))
    block = max(1, 2_000_000 // k)  # rows per dense block (16 MB)
    for start in range(0, n, block):
        rows = design[start:start + block].toarray()
        out += rows.T @ (rows if weights is None else weights[start:start + block, None] * rows)
    return out


def tensor_design(bases: Sequence[tuple[np.ndarray, np.ndarray]], size: int) -> Any:
    """The sparse design matrix ``(n, size ** p)`` of the tensor product of per-parameter B-spline bases, each
    ``(values, cols)`` of its non-zero functions per draw (``size`` functions per parameter)."""
    from scipy import sparse

    values, cols = bases[0]
    n = len(values)
    for v, c in bases[1:]:  # every pair of non-zero entries of the bases so far and this one
        values = (values[:, :, None] * v[:, None, :]).reshape(n, -1)
        cols = (cols[:, :, None] * size + c[:, None, :]).reshape(n, -1)
    q = values.shape[1]
    return sparse.csr_array((values.ravel(), cols.ravel(), np.arange(0, n * q + 1, q)), shape=(n, size ** len(bases)))


def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x``, ties sharing their average rank (``scipy.stats.rankdata``'s default, without
    importing scipy.stats).

    Examples
    --------
    >>> ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    _, inverse, counts = np.unique(np.asarray(x), return_inverse=True, return_counts=True)
    last = np.cumsum(counts)  # the rank of each distinct value's last copy
    return (last - (counts - 1) / 2.0)[inverse.reshape(-1)]


def bspline_basis(u: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Clamped cubic B-splines on [0, 1] with equally spaced knots: the non-zero values and their columns.

    The same functions as ``scipy.interpolate.BSpline.design_matrix`` on the knots ``0, 0, 0, 0, 1/m, ...,
    1, 1, 1, 1`` (``m = size - 3`` intervals), evaluated by de Boor's recursion (Piegl & Tiller, The NURBS
    Book, algorithm A2.2), vectorised over ``u``.

    Parameters
    ----------
    u : ndarray
        Points in [0, 1].
    size : int
        Number of basis functions (>= 4).

    Returns
    -------
    values, columns : ndarray
        Each ``(n, 4)``: the four basis functions that can be non-zero at each point, and their indices;
        every row of ``values`` sums to one.

    Examples
    --------
    >>> v, c = bspline_basis(np.array([0.0, 0.5, 1.0]), 4)
    >>> v.round(3).tolist(), c[1].tolist()
    ([[1.0, 0.0, 0.0, 0.0], [0.125, 0.375, 0.375, 0.125], [0.0, 0.0, 0.0, 1.0]], [0, 1, 2, 3])
    """
    p = _DEGREE
    u = np.asarray(u, dtype=float)
    interior = np.linspace(0.0, 1.0, size - p + 1)
    knots = np.concatenate([[0.0] * p, interior, [1.0] * p])
    # the knot span of each point (the last interval is closed, so u = 1 belongs to it)
    span = np.clip(np.searchsorted(interior, u, side="right") - 1, 0, size - p - 1) + p
    n = len(u)
    values = np.zeros((n, p + 1))
    values[:, 0] = 1.0
    left, right = np.empty((n, p + 1)), np.empty((n, p + 1))
    for j in range(1, p + 1):
        left[:, j] = u - knots[span + 1 - j]
        right[:, j] = knots[span + j] - u
        saved = np.zeros(n)
        for r in range(j):
            temp = values[:, r] / (right[:, r + 1] + left[:, j - r])
            values[:, r] = saved + right[:, r + 1] * temp
            saved = left[:, j - r] * temp
        values[:, j] = saved
    return values, span[:, None] - p + np.arange(p + 1)


def _design(u: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The smoother's basis on rank-scaled values ``(rank - 0.5) / n`` (:func:`bspline_basis`).

    Without ties the values are the grid ``(k - 0.5) / n`` in some order, the same for every parameter of a
    PSA sample: the grid's basis is computed once per ``(n, size)`` and its rows put in the sample's order.
    """
    n = len(u)
    index = np.rint(u * n - 0.5).astype(np.intp)
    # Exact test: the grid points are computed as (index + 0.5) / n, the same arithmetic as the scaling.
    if n > _GRID_CACHE_MAX or not np.array_equal((index + 0.5) / n, u):
        return bspline_basis(u, size)  # ties (average ranks between grid points), or too large to keep
    values, cols = _grid_basis(n, size)
    return values[index], cols[index]


_GRID_CACHE_MAX = 200_000  # larger samples are not cached (a basis is 64 bytes per draw)


@lru_cache(maxsize=16)
def _grid_basis(n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    return bspline_basis((np.arange(n) + 0.5) / n, size)


@lru_cache(maxsize=len(BASIS_SIZES))
def _grid_smoother(n: int, size: int) -> _Smoother:
    """The smoother of one untied parameter with its ``n`` draws sorted (shared, read-only)."""
    return _Smoother([(np.arange(n) + 0.5) / n], size)


def _untied_order(x: np.ndarray) -> np.ndarray | None:
    """The order that sorts ``x``, or ``None`` when values repeat (their ranks are then not the grid)."""
    order = np.argsort(x, kind="stable")
    return order if bool((np.diff(x[order]) > 0).all()) else None
