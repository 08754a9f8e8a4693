"""A partial index on post_office's Email for the claim query (pending rows, by lane order)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS mailer_email_claim_idx ON post_office_email "
    "(priority DESC, id) WHERE status IN (2, 3)"
)
DROP = "DROP INDEX IF EXISTS mailer_email_claim_idx"


class Migration(migrations.Migration):
    dependencies = [("mailer", "0001_delivery"), ("post_office", "0014_alter_email_recipient_delivery_status_and_more")]
    operations = [migrations.RunSQL(CREATE, DROP)]
