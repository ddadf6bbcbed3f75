# The foreign key on deployment already has a B-tree index: this second one only cost every enrolment a write.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0003_custody_hnsw_m32'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='watchlisttemplate',
            name='matching_wa_deploym_73e6ba_idx',
        ),
    ]
