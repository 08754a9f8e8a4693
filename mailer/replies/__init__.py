"""Replies to Mailroom's no-reply addresses: linked to what was sent, answered once, shown."""
