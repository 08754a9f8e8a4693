"""``any_of``: an ``in`` lookup sent to PostgreSQL as one array parameter (``= ANY(%s)``)."""

from __future__ import annotations

from django.db.models.lookups import In


class AnyOf(In):
    """``IN (…)`` on other databases; on PostgreSQL one array, cheap to build for hundreds."""

    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection) -> tuple[str, tuple]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))
