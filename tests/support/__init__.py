"""Helpers the tests share: worker processes, waiting, campaigns, feedback, the SES sandbox and
signed SNS messages. Test modules import them from here; conftest.py files hold only fixtures
(which call into these modules) and pytest hooks."""
