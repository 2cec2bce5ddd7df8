"""Simulators for tests and `make run`; production code never imports them (pyproject.toml,
the no-simulator import contract)."""
