from django.db import migrations, models


def mark_dismiss_reasons(apps, schema_editor):
    """Reasons already used to dismiss a lead or a booking stay offered for it;
    a company that never dismissed anything keeps the old list (every reason
    that is not a lead) until an admin trims it in Settings."""
    CallReason = apps.get_model("catalog", "CallReason")
    Lead = apps.get_model("leads", "Lead")
    Booking = apps.get_model("bookings", "Booking")
    used = set(Lead.objects.exclude(dismiss_reason=None).values_list("dismiss_reason", flat=True))
    used |= set(Booking.objects.exclude(dismiss_reason=None).values_list("dismiss_reason", flat=True))
    not_lead = CallReason.objects.filter(is_lead=False)
    if used:
        not_lead.filter(pk__in=used).update(dismisses=True)
    else:
        not_lead.update(dismisses=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_callreason_booking_guide"),
        ("leads", "0004_lead_channel_backfill"),
        ("bookings", "0002_campaignrule_publicformhit_webhookdelivery_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="callreason",
            name="dismisses",
            field=models.BooleanField(
                default=False,
                db_default=False,
                help_text="Offered when a lead, a booking or a Leads-tab row is dismissed (went with another "
                "company, price too high, duplicate…). Never a lead reason.",
            ),
        ),
        migrations.AddConstraint(
            model_name="callreason",
            constraint=models.CheckConstraint(
                condition=models.Q(("dismisses", True), ("is_lead", True), _negated=True),
                name="callreason_lead_not_dismiss",
            ),
        ),
        migrations.RunPython(mark_dismiss_reasons, migrations.RunPython.noop),
    ]
