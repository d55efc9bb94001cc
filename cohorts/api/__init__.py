from cohorts.api import decisions, runs

__all__ = ["decisions", "runs"]
