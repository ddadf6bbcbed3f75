# The gallery index gets m 32 and ef_construction 128: at a million templates, m 16 with ef_construction 64
# reached recall@10 0.977 at best within ten times the exact scan's speed; these reach 0.99 (bench/gallery.py).
# Rebuilding it takes about 17 minutes a million rows on two cores.

import pgvector.django.indexes
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0002_calibrate_dlib_and_floor'),
        ('oversight', '0003_seed_register_and_policy'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='custodyimage',
            name='custody_embedding_hnsw',
        ),
        migrations.AddIndex(
            model_name='custodyimage',
            index=pgvector.django.indexes.HnswIndex(ef_construction=128, fields=['embedding'], m=32, name='custody_embedding_hnsw', opclasses=['vector_ip_ops']),
        ),
    ]
