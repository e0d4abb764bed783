"""Database connection health: the PostgreSQL pool's check (``config/settings.py``)."""

from __future__ import annotations

from psycopg_pool import ConnectionPool


def pool_connection_check(conn) -> None:
    """psycopg_pool's check of a connection as it is handed out, plus: when one is dead,
    check every idle one at once.

    One dead connection rarely comes alone (PostgreSQL restarted, a failover, an operator's
    ``pg_terminate_backend``), and the pool waits with growing back-off (1 s, 2 s, 4 s…)
    after each failed check before it tries the next idle connection: with a few dead ones
    the request waited out the pool timeout. Sweeping them here lets the pool's own workers
    open fresh connections, and the request gets one after the first back-off (~1 s).
    """
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = getattr(conn, "_pool", None)  # set by getconn() before it calls the check
        if isinstance(pool, ConnectionPool):
            pool.check()
        raise
