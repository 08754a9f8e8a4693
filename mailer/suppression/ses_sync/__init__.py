"""Mailroom's suppression list kept in step with SES's account-level list (pull, push, removal)."""
