"""Pacing every worker together: the shared GCRA limiter in Redis (limiter) and the account's SES
quota, pause and outcome counters (quota)."""
