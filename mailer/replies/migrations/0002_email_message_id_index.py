"""An index on post_office's Email.message_id: a reply is linked by its In-Reply-To in one lookup.

(mailer's 0005 indexes only priority "now" rows; replies name any sent Email.)
"""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS replies_email_message_id ON post_office_email (message_id)"
DROP = "DROP INDEX IF EXISTS replies_email_message_id"


class Migration(migrations.Migration):
    dependencies = [("replies", "0001_initial"), ("post_office", "0001_initial")]
    operations = [migrations.RunSQL(CREATE, DROP)]
