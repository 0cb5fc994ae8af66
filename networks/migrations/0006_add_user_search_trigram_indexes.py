"""Trigram indexes for the people search (networks.people.people_matching): it matches
name, email or organisation containing the typed text (or, for one or two letters, starting
with it), which a b-tree cannot serve; each GIN index on UPPER(field) answers Django's
icontains / istartswith (UPPER(x) LIKE UPPER(...)) without reading every person.

PostgreSQL only: on SQLite (the embedded default) the search reads the table, as before.
"""

from django.db import migrations

FIELDS = {"name": "networks_user_name_trgm", "email": "networks_user_email_trgm",
          "organisation": "networks_user_org_trgm"}  # fmt: skip


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for field, name in FIELDS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON networks_user"
            f" USING gin (UPPER({field}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in FIELDS.values():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("networks", "0005_add_user_name_email_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
