"""Bulk campaigns: audiences, fan-out into the bulk lane, control, progress and feedback."""
