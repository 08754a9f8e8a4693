"""``any_of``: an ``in`` lookup sent to PostgreSQL as one array parameter (``= ANY(%s)``)."""

from __future__ import annotations

from django.db.models.lookups import In


class AnyOf(In):
    """``IN (…)`` on other databases; on PostgreSQL one array, cheap to build for hundreds."""

    lookup_name = "any_of"

    def get_prep_lookup(self) -> object:
        """Strings pass as they are: In prepares each value through the field (~4 µs each)."""
        values = self.rhs
        if isinstance(values, list | tuple | set | frozenset) and all(
            type(v) is str for v in values
        ):
            return list(values)
        return super().get_prep_lookup()

    def as_postgresql(self, compiler, connection) -> tuple[str, tuple]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if all(type(v) is str and "\n" not in v for v in values):
            # One text parameter split by the server: psycopg quotes each element of a list
            # parameter in Python (about 3 µs each, thousands per fan-out chunk).
            return f"{lhs} = ANY(string_to_array(%s, E'\\n'))", (*lhs_params, "\n".join(values))
        return f"{lhs} = ANY(%s)", (*lhs_params, values)
