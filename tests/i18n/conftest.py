from .catalog import swahili  # noqa: F401  (a catalog written per test)
