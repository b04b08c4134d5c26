"""Run dbt from tests against a throwaway copy of a generated district."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def dbt_executable() -> str:
    candidate = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(db: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on database ``db``, with target and logs under ``work``."""
    env = {**os.environ, "K12EWS_DB": str(db), "DBT_PROFILES_DIR": str(REPO)}
    return subprocess.run(
        [
            dbt_executable(),
            *args,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def copy_db(src: Path, dest_dir: Path, name: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    shutil.copy(src, dest)
    return dest
