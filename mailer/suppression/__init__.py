"""The suppression list: the filter at send time, the store (writes, audit), CSV import and
export, soft bounces, SES feedback from bouncy, and one-click unsubscribe. The models stay in
``mailer.models`` (``Unsubscribe`` is public).
"""
