from tests.analytics.conftest import shop  # noqa: F401  (the fixed shop, hand-computed)
