"""The ``feedback`` signal: sent once per stored Bounce, Complaint, Delivery or Event row."""

from django.dispatch import Signal

# feedback.send(sender=<model class>, instance=<row>), inside the transaction that stored the row:
# a receiver's writes commit or roll back with it.
feedback = Signal()
