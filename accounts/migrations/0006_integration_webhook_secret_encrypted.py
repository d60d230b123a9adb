"""The outgoing webhooks' signing secret joins the other integration secrets:
stored encrypted (core.crypto), so a database dump alone does not hand it out.
Existing secrets are encrypted in place before the plain column goes."""

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from core.crypto import encrypt_secret

    Integration = apps.get_model("accounts", "Integration")
    for integration in Integration.objects.exclude(webhook_secret="").only("pk", "webhook_secret"):
        Integration.objects.filter(pk=integration.pk).update(
            webhook_secret_enc=encrypt_secret(integration.webhook_secret)
        )


def decrypt_existing(apps, schema_editor):
    from core.crypto import decrypt_secret

    Integration = apps.get_model("accounts", "Integration")
    for integration in Integration.objects.exclude(webhook_secret_enc="").only("pk", "webhook_secret_enc"):
        Integration.objects.filter(pk=integration.pk).update(
            webhook_secret=decrypt_secret(integration.webhook_secret_enc)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_login_lockout"),
    ]

    operations = [
        migrations.AddField(
            model_name="integration",
            name="webhook_secret_enc",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.RemoveField(
            model_name="integration",
            name="webhook_secret",
        ),
    ]
