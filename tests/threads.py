"""Running the same work on several threads at once, each with its own database connection
(for tests of what two workers, two requests or two schedulers do at the same moment)."""

from __future__ import annotations

import threading

from django.db import connection


def run_at_once(target, *, runs: int) -> list[str]:
    """Start ``runs`` threads that call ``target()`` together (a barrier lets them go at
    the same moment); returns the errors they raised, as text (``[]``: none)."""
    barrier = threading.Barrier(runs)
    errors: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            target()
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors
