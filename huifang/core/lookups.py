"""``field__any_of=[...]``: membership in a list of integers, as one parameter.

``field__in`` renders one placeholder per value. For thousands of ids that is
thousands of parameters to build, bind and — with psycopg's client-side
binding — to split out of the SQL text again; on PostgreSQL this lookup
sends ``field = ANY(%s)`` with the list as one array instead. Other
databases get the plain ``IN`` list.
"""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def get_db_prep_lookup(self, value, connection):
        return "%s", [value]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


# Foreign keys look only at lookups registered on ForeignObject and below.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
