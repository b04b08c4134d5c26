"""Run the dbt command line on a warehouse file, from the package's own tools.

The package never imports dbt (it runs inside dbt's Python models); the few tools that
build on a throwaway database (``k12ews check``, ``python -m k12ews.partial_builds``) run
the ``dbt`` executable installed beside this Python, with the project's profile, the
database in ``K12EWS_DB`` and their target and log folders under ``work``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def dbt_executable() -> str:
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def run_dbt(db: Path, project: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``dbt <args> --quiet`` on ``db`` with ``project``'s profile; output captured."""
    env = {
        **os.environ,
        "K12EWS_DB": str(db),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    return subprocess.run(
        [
            dbt_executable(),
            *args,
            "--quiet",
            "--project-dir",
            str(project),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
