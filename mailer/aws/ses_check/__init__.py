"""``ses_check``: the account setup check (credentials, region, quota, identity, SNS topics)."""
