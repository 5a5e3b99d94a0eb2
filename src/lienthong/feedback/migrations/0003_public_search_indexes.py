"""Indexes of the public answers' page (bench/feedback.py, docs/performance.md): on
PostgreSQL trigram indexes on the folded words of the published reports, alone and after
their category (pg_trgm and btree_gin, trusted extensions the database owner may
create), so a search for rare words does not walk the answers in date order; on every
database, the published answers of a commune and of a category in date order."""

from django.db import migrations, models


def _trigrams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS fb_public_words ON feedback_report "
        "USING gin (search_text gin_trgm_ops) WHERE published"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS fb_public_category_words ON feedback_report "
        "USING gin (category, search_text gin_trgm_ops) WHERE published"
    )


def _drop_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS fb_public_words")
        schema_editor.execute("DROP INDEX IF EXISTS fb_public_category_words")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_system_sender")]

    operations = [
        migrations.RunPython(_trigrams, _drop_trigrams, elidable=False),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["commune", "-published_at"],
                condition=models.Q(published=True),
                name="fb_public_commune",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["category", "-published_at"],
                condition=models.Q(published=True),
                name="fb_public_category",
            ),
        ),
    ]
