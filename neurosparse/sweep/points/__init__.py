"""Functions that sweeps call, one module per subject: each takes its parameters and a seed
as keyword arguments and returns a dict of numbers (one table row)."""
