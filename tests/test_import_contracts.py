"""The layers are checked by a machine (`lint-imports` in `make lint`): a planted import that
breaks each contract makes the check fail and names the import; the tree as it is passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("erp", "analytics", "dashboards", "workflows")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    """lint-imports over a copy of the packages, with the project's own contracts."""
    return subprocess.run(  # noqa: S603 - our own tool on our own tree
        [str(LINT_IMPORTS), "--no-cache", str(REPO / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tree


def test_the_tree_keeps_every_contract(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_a_planted_violation_of_each_contract_fails_the_check(tmp_path):
    tree = _copy(tmp_path)
    # erp.core reaching up to the dashboards
    (tree / "erp/core/planted_upward.py").write_text("import dashboards.app\n")
    # production code importing the RouterOS simulator
    (tree / "erp/sales/planted_sim.py").write_text("from erp.mikrotik.simulator import state\n")
    # production code importing a payment provider's simulator
    (tree / "erp/portal/planted_pay.py").write_text("from erp.payments.simulator import wave\n")
    # production code importing the PortaBilling simulator
    (tree / "erp/vouchers/planted_porta.py").write_text(
        "from erp.integrations.portabilling import simulator\n"
    )
    # ... and the OpenWISP one (the same contract)
    (tree / "erp/assets/planted_owisp.py").write_text(
        "from erp.integrations.openwisp.simulator import server\n"
    )
    # a cycle inside an app
    (tree / "erp/sites/planted_a.py").write_text("from erp.sites import planted_b\n")
    (tree / "erp/sites/planted_b.py").write_text("from erp.sites import planted_a\n")

    result = _lint(tree)

    assert result.returncode != 0
    assert "0 kept, 5 broken" in result.stdout, result.stdout
    assert "erp.vouchers.planted_porta -> erp.integrations.portabilling.simulator" in result.stdout
    assert "erp.assets.planted_owisp -> erp.integrations.openwisp.simulator.server" in result.stdout
    assert "erp.portal.planted_pay -> erp.payments.simulator.wave" in result.stdout
    assert "erp.core.planted_upward -> dashboards.app" in result.stdout
    assert "erp.sales.planted_sim -> erp.mikrotik.simulator.state" in result.stdout
    assert "No cycles are allowed in erp.sites" in result.stdout
