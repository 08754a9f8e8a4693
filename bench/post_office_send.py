"""post_office's own ``send_queued_mail`` loop as it ships, for bench/throughput.py's baseline.

Mailroom routes post_office's ``send_queued_mail`` through its own drain
(mailer/sending/post_office_paths.py); the baseline measures post_office's loop, so this puts it
back first. Run with DJANGO_SETTINGS_MODULE=bench.settings_post_office.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from post_office import mail  # noqa: E402

from mailer.sending import post_office_paths  # noqa: E402

post_office_paths.restore()
mail.send_queued_mail_until_done(log_level=1)
