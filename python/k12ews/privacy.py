"""Keyed hashes of student identifiers, applied before a district's files load.

``k12ews load --hash-ids`` replaces every ``student_id`` in every raw table with
HMAC-SHA256(secret, student_id), hex, cut to ``HASH_HEX`` characters. The secret is
the district's own, read from the environment variable ``K12EWS_ID_SECRET`` and never
stored: the same secret gives the same hashes on every load (so the marts of two
loads join), and without it no one can go from a hash back to a student or test a
guessed identifier. Rejected rows are kept with the hashed identifier too.

Names, birth dates and addresses stay in ``raw`` (staff look students up there) and
never reach a mart (``python/tests/warehouse/test_privacy.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import os

import duckdb
import pandas as pd

SECRET_ENV = "K12EWS_ID_SECRET"
MIN_SECRET_LENGTH = 16
HASH_HEX = 20  # 80 bits: no collision among a state's students (checked on every load)


def secret_from_env(env: str = SECRET_ENV) -> bytes:
    """The district secret from the environment; an error if missing or short."""
    value = os.environ.get(env, "")
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"--hash-ids needs a secret of at least {MIN_SECRET_LENGTH} characters in "
            f"${env} (the district's own, kept outside the warehouse)"
        )
    return value.encode("utf-8")


def keyed_hash(student_id: str, secret: bytes) -> str:
    """HMAC-SHA256 of the identifier under the secret, as ``HASH_HEX`` hex characters."""
    digest = hmac.new(secret, student_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:HASH_HEX]


def hash_student_ids(con: duckdb.DuckDBPyConnection, tables: list[str], secret: bytes) -> int:
    """Replace ``student_id`` in each staging table with its keyed hash.

    The original line text of each row is dropped (rejects show the row rendered
    from its hashed fields instead). Returns the number of distinct identifiers.
    """
    union = " UNION ".join(
        f"SELECT CAST(student_id AS VARCHAR) AS student_id FROM {t} WHERE student_id IS NOT NULL"
        for t in tables
    )
    ids = [r[0] for r in con.execute(f"SELECT DISTINCT student_id FROM ({union})").fetchall()]
    hashed = [keyed_hash(i, secret) for i in ids]
    if len(set(hashed)) != len(hashed):
        raise ValueError("two student identifiers share a keyed hash; raise HASH_HEX")
    frame = pd.DataFrame({"student_id": ids, "hashed_id": hashed})
    con.register("_idmap_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _idmap AS SELECT * FROM _idmap_frame")
    con.unregister("_idmap_frame")
    for t in tables:
        con.execute(
            f"UPDATE {t} SET student_id = m.hashed_id, _text = NULL FROM _idmap AS m "
            f"WHERE CAST({t}.student_id AS VARCHAR) = m.student_id"
        )
        # rows without an identifier keep no original text either (it may hold one)
        con.execute(f"UPDATE {t} SET _text = NULL WHERE _text IS NOT NULL")
    con.execute("DROP TABLE _idmap")
    return len(ids)
