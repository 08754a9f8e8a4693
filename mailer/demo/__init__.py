"""The demo: the whole loop on one laptop with embedded services and no AWS account."""
