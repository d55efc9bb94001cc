from cohorts.api import decisions, feeds, runs

__all__ = ["decisions", "feeds", "runs"]
