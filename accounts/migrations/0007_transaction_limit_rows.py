"""SPEC D3: "Transaction limit (HKD)" becomes one amount per row of the documents (Default, DI,
ISI, ...). The single amount a profile had becomes its "Default" row.

Done as add / copy / remove / rename so it runs the same on SQLite and PostgreSQL (PostgreSQL
has no cast from numeric to jsonb).
"""

from decimal import Decimal

from django.db import migrations, models

import accounts.models


def single_to_rows(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(transaction_limit__isnull=True).only("pk",
                                                                          "transaction_limit"):
        User.objects.filter(pk=user.pk).update(
            transaction_limit_rows={"DEFAULT": f"{Decimal(user.transaction_limit):.2f}"})


def rows_to_single(apps, schema_editor):
    # Back to one amount: the Default row; the other rows have nowhere to go.
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk", "transaction_limit_rows"):
        default = (user.transaction_limit_rows or {}).get("DEFAULT")
        if default is not None:
            User.objects.filter(pk=user.pk).update(transaction_limit=Decimal(default))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_login_challenge"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="transaction_limit_rows",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(single_to_rows, rows_to_single),
        migrations.RemoveField(model_name="user", name="transaction_limit"),
        migrations.RenameField(model_name="user", old_name="transaction_limit_rows",
                               new_name="transaction_limit"),
        migrations.AlterField(
            model_name="user",
            name="transaction_limit",
            field=models.JSONField(
                blank=True, default=dict,
                help_text='Row -> amount with 2 decimals, e.g. {"DEFAULT": "9999999999.99"}; '
                "rows: DEFAULT, DI, ISI, CASH_COMPENSATION, CASH_PREPAYMENT, DI_REQUIREMENT, "
                "RECALL_REQUEST, ATI, SI.",
                validators=[accounts.models.validate_transaction_limit],
                verbose_name="Transaction limit (HKD)",
            ),
        ),
    ]
