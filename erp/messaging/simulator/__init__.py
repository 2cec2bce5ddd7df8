"""Simulators of the SMS gateways, speaking their real protocols (never imported by
production code: a contract in pyproject.toml checks it)."""
