from django.db import migrations


def create_counters(apps, schema_editor):
    # One row per form from the start, so the first reference number is taken under the same
    # row lock as every other (no get_or_create race).
    counter = apps.get_model("eservices", "ReferenceCounter")
    for form in ("DA3", "DA4"):
        counter.objects.get_or_create(form=form, defaults={"last": 0})


class Migration(migrations.Migration):
    dependencies = [("eservices", "0001_initial")]

    operations = [migrations.RunPython(create_counters, migrations.RunPython.noop)]
