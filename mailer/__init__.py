"""Mailroom's sending side: the queue, the SES sender, the rate limiter and suppressions."""
