"""bouncy's signals: a notification was stored; its rows were stored and are to be applied."""

from django.dispatch import Signal

# stored.send(sender=Notification, notification=<row>), once the transaction that stored a
# notification has committed, when its rows are still to be made: the host wakes whatever runs
# ``bouncy.processing.process_pending`` (Mailroom: the ``mailer.apply_feedback`` task).
stored = Signal()

# feedback_batch.send(sender=Notification, rows=[rows]): every Bounce, Complaint, Delivery and
# Event row one ``process_pending`` call stored, in the order their notifications arrived, inside
# the transaction that stored them: a receiver's writes commit or roll back with the rows, and a
# batch that dies is done again from the stored notifications.
feedback_batch = Signal()

# feedback.send(sender=<model class>, instance=<row>): the same rows one by one, in the same
# transaction, for receivers that want them so (it costs queries per row: prefer feedback_batch).
feedback = Signal()

# received.send(sender=ReceivedMessage, instance=<row>), once per stored received message, inside
# the transaction that stored it; receivers must be idempotent (a row may be handed over again).
received = Signal()
