"""Everything that talks to AWS (SES and SNS, through django-ses and boto3): the one boundary.

The rest of Mailroom calls the names below (and ``ses_check``) and sees Mailroom's SES
exceptions, never botocore's.
"""

from mailer.aws.account import Quota, get_quota
from mailer.aws.clients import reset_client, warm_up
from mailer.aws.errors import classify
from mailer.aws.sending import SendResult, send

__all__ = ["Quota", "SendResult", "classify", "get_quota", "reset_client", "send", "warm_up"]
