"""The analysis layer: probabilistic and deterministic sensitivity analysis and value of information."""

__all__ = ["MIN_DRAWS"]

#: Fewest PSA draws for EVPPI and EVSI by regression (:mod:`netlrt.analysis.voi`), and so for the report and
#: ``netlrt analyse psa|evppi``: with a handful the smoother fits the draws themselves, and every parameter's
#: EVPPI comes out at the EVPI (13 of 68 at 5 draws). Here, not in ``voi``, so the command line can name it
#: without importing numpy.
MIN_DRAWS = 100
