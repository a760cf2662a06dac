"""The network layer: the declared nodes, their conditional probability tables, exact batch inference and the
pgmpy adapter."""
