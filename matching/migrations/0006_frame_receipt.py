import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0005_video_feed_progress_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="FrameReceipt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("frame_id", models.CharField(max_length=100)),
                ("faces", models.PositiveIntegerField(default=0)),
                ("alerts", models.JSONField(default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("device", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                             to="matching.device")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("device", "frame_id"),
                                                        name="frame_receipt_once_per_device")],
            },
        ),
    ]
