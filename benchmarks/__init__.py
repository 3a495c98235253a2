"""Benchmarks of gtprov against the local emulation (issue 9).

Not run in CI: ``scripts/bench`` runs them all and writes
``benchmarks/results/latest.json`` and ``docs/performance.md``.
"""
