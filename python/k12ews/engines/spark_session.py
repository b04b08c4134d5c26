"""The local Spark session: Java found, warehouse and metastore kept in one directory.

dbt's ``spark`` target (profiles.yml, ``method: session``), ``spark_load``, ``dump``
and ``spark_ml`` all read the same settings, so they see the same tables:

- ``K12EWS_SPARK_DIR`` (default ``target/spark``): the warehouse directory
  (``<dir>/warehouse``, one ``<schema>.db`` folder per schema) and the embedded Derby
  metastore (``<dir>/metastore_db``, with ``derby.log``). Nothing lands in the
  working directory.
- ``K12EWS_SPARK_MASTER`` (default ``local[2]``), ``K12EWS_SPARK_DRIVER_MEMORY``
  (default ``4g``), ``K12EWS_SPARK_SHUFFLE_PARTITIONS`` (default ``8``) and
  ``K12EWS_SPARK_ADAPTIVE`` (adaptive query execution, default ``true``). A tiny
  district builds faster with 1 partition and adaptive execution off (the tests).

The embedded metastore admits one JVM at a time: run the loader, dbt and readers one
after another, never side by side. A cluster uses a shared metastore instead (Hive or
Unity Catalog) and dbt's thrift or http method (docs/scale_out.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

MIN_JAVA = 17  # Spark 4 runs on Java 17 or 21
SPARK_DIR_ENV = "K12EWS_SPARK_DIR"
DEFAULT_SPARK_DIR = Path("target") / "spark"


class JavaUnavailableError(RuntimeError):
    """No Java runtime new enough for Spark."""


def spark_dir() -> Path:
    return Path(os.environ.get(SPARK_DIR_ENV, str(DEFAULT_SPARK_DIR))).resolve()


def settings(base: Path | None = None) -> dict[str, str]:
    """Spark settings of the local session (the same as the dbt ``spark`` target's)."""
    root = (base or spark_dir()).resolve()
    return {
        "spark.master": os.environ.get("K12EWS_SPARK_MASTER", "local[2]"),
        "spark.driver.memory": os.environ.get("K12EWS_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.shuffle.partitions": os.environ.get("K12EWS_SPARK_SHUFFLE_PARTITIONS", "8"),
        "spark.sql.adaptive.enabled": os.environ.get("K12EWS_SPARK_ADAPTIVE", "true"),
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.sql.ansi.enabled": "false",  # as dbt-spark's session method sets it
    }


def _java_version(java: Path) -> int:
    proc = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def java_home() -> Path:
    """A Java home with Java 17 or later: $JAVA_HOME, the ``java`` on PATH, or a JVM under
    /usr/lib/jvm (Debian's openjdk packages). Raises ``JavaUnavailableError`` if none."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path).resolve().parent.parent)
    candidates += sorted(Path("/usr/lib/jvm").glob("*"), reverse=True)
    for home in candidates:
        java = home / "bin" / "java"
        if java.is_file() and _java_version(java) >= MIN_JAVA:
            return home
    raise JavaUnavailableError(
        f"no Java {MIN_JAVA}+ runtime (JAVA_HOME, java on PATH, /usr/lib/jvm); run "
        "`make engines-setup` (installs Debian's openjdk-17-jre-headless)"
    )


def spark_env() -> dict[str, str]:
    """Environment for a process that starts Spark: JAVA_HOME set, Python pinned."""
    import sys

    return {
        **os.environ,
        "JAVA_HOME": str(java_home()),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


def get_session(base: Path | None = None) -> Any:
    """The process's SparkSession with the local settings (created on first call)."""
    os.environ.update(spark_env())
    from pyspark.sql import SparkSession

    root = (base or spark_dir()).resolve()
    root.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("k12ews").enableHiveSupport()
    for key, value in settings(root).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
