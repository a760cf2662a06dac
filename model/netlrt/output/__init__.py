"""What netlrt writes for people and other tools: the HTML report (:mod:`~netlrt.output.report`), the network
for other Bayesian-network programs (:mod:`~netlrt.output.export`: BIF, XMLBIF, GeNIe XDSL, Hugin NET, with the
provenance of every node) and the Jupyter explorer (:mod:`~netlrt.output.explorer`).

This layer sits above the analyses and the figures (:mod:`netlrt.plot`) and below the front object
(:mod:`netlrt.model`) and the command line; nothing here imports either. Modules are imported on use, so
importing the package costs nothing.
"""

__all__: list[str] = []
