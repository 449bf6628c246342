"""GIN index on the French search vector, on PostgreSQL only (SQLite searches search_text)."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS proposal_search_vector_gin "
            "ON proposals_proposal USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS proposal_search_vector_gin")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0005_board")]

    operations = [migrations.RunPython(create_index, drop_index)]
