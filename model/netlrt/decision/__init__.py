"""The decision layer: utility terms in QALYs, the decision rules, the batch evaluation core and its results."""
