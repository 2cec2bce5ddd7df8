"""Simulators of the payment providers' HTTP APIs (tests, benchmarks, make run). Production
code never imports this package (an import contract checks it)."""
