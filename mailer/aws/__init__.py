"""Everything that talks to AWS (SES and SNS, through django-ses and boto3): the one boundary.

The rest of Mailroom calls the names below and sees Mailroom's SES exceptions, never botocore.
"""

from mailer.aws.sending import Quota, SendResult, classify, get_quota, reset_client, send, warm_up

__all__ = ["Quota", "SendResult", "classify", "get_quota", "reset_client", "send", "warm_up"]
