"""Sending: every door to SES. Workers drain a lane in claimed batches (batch) under one retry
policy (retry); post_office's own synchronous path (backend) and its commands and functions
(post_office_paths); the admin's re-send (resend); the wake-ups that tell workers there is mail
(wakeup, with its receiver); the numbers `mailer_status` prints (status)."""
