"""A partial index on post_office's Email: priority "now" rows by Message-ID (mailer.sending.backend)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS mailer_email_now_idx ON post_office_email (message_id) "
    "WHERE priority = 3"
)
DROP = "DROP INDEX IF EXISTS mailer_email_now_idx"


class Migration(migrations.Migration):
    dependencies = [("mailer", "0004_delivery_time_indexes")]
    operations = [migrations.RunSQL(CREATE, DROP)]
