from django.db import migrations
from pgvector.django import VectorExtension


class Migration(migrations.Migration):
    """Face templates live in pgvector columns; the extension is created here, before any app uses it."""

    dependencies = [("oversight", "0001_initial")]
    operations = [VectorExtension()]
