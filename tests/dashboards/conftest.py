from tests.analytics.conftest import repairs, shop  # noqa: F401  (fixed data, hand-computed)
