"""The analysis layer: probabilistic and deterministic sensitivity analysis and value of information."""
