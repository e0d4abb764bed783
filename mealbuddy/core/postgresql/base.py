"""Django's PostgreSQL backend with a pool check that sweeps dead connections together.

Django hands psycopg_pool its plain ``check_connection`` (with ``CONN_HEALTH_CHECKS``) and
refuses a ``check`` of our own in ``OPTIONS["pool"]``; this backend swaps in
``pool_connection_check`` once, right after Django built the pool and before it opens.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from mealbuddy.core.db import pool_connection_check


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        created = self.alias not in self._connection_pools
        pool = super().pool
        if created and pool is not None and self.settings_dict["CONN_HEALTH_CHECKS"]:
            pool._check = pool_connection_check
        return pool
