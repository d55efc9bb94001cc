"""Performance benchmarks against a generated, synthetic city (see benchmarks/README.md)."""
