"""``k12ews publish``: access by role enforced on the PostgreSQL peer (docs/access.md)."""

from __future__ import annotations

import argparse


def cmd_publish(args: argparse.Namespace) -> int:
    import psycopg2

    from k12ews.engines.postgres_access import publish, unprotected
    from k12ews.engines.postgres_load import connection_params

    params = connection_params()
    try:
        con = psycopg2.connect(**params)
    except psycopg2.Error as e:
        raise ValueError(
            f"cannot connect to PostgreSQL at {params['host']}:{params['port']} "
            f"(K12EWS_PG_* variables): {str(e).strip()}"
        ) from None
    try:
        result = publish(con)
        left = unprotected(con.cursor())
    except psycopg2.Error as e:
        con.rollback()
        raise ValueError(f"publish failed, nothing changed: {str(e).strip()}") from None
    finally:
        con.close()
    print(
        f"published: {result.logins} staff logins in {len(result.groups)} role groups, "
        f"row-level security on {len(result.policies)} tables, {result.views} views, "
        f"{len(result.open_tables)} aggregate tables granted to every group"
    )
    if left:
        print(f"tables with student rows and no policy: {', '.join(left)}")
        return 1
    return 0


def add_publish_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publish",
        help="enforce access by role on the PostgreSQL peer (logins, row-level security, "
        "column grants; K12EWS_PG_* variables)",
    )
    p.set_defaults(func=cmd_publish)
