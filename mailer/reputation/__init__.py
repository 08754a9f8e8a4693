"""The reputation guard: bounce and complaint rates, the bulk hold, and the operator's dashboard."""
