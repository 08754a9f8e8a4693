"""Sending: workers drain a lane in claimed batches (batch), post_office's own synchronous path
(backend), and the wake-ups that tell workers there is mail (wakeup, receivers)."""
