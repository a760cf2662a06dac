"""The evidence layer: vocabulary, priors with provenance, the patient specification and the article's cases."""
