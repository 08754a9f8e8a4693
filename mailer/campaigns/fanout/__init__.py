"""Campaign fan-out: enrol audience members, compose each recipient's message and queue it as
post_office Email rows (binary COPY on PostgreSQL), a chunk per step, within the daily quota."""
