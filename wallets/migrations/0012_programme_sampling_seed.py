import secrets

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

import wallets.models.programmes


def seed_each_programme(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:  # noqa: ARG001
    """AddField gives every existing row the same default; each programme needs its own."""
    programme_model = apps.get_model("wallets", "FundingProgramme")
    for programme in programme_model.objects.only("pk"):
        programme_model.objects.filter(pk=programme.pk).update(sampling_seed=secrets.token_hex(32))


class Migration(migrations.Migration):
    dependencies = [
        ("wallets", "0011_card_payment_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="fundingprogramme",
            name="sampling_seed",
            field=models.CharField(
                default=wallets.models.programmes.new_sampling_seed, editable=False, max_length=64
            ),
        ),
        migrations.RunPython(seed_each_programme, migrations.RunPython.noop),
    ]
