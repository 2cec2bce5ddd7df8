from __future__ import annotations

import pytest

from erp.support import classifier


@pytest.fixture(autouse=True)
def _shipped_model(settings, tmp_path):
    """Each test starts from the model trained on the shipped set (no retrained file)."""
    settings.VAR_DIR = tmp_path
    classifier.reset()
    yield
    classifier.reset()
