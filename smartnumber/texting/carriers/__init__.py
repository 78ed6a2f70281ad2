"""SMS carriers over HTTP (issue 16, in progress): how a carrier's webhooks are
authenticated (signatures.py) and what its error codes mean for a contact (codes.py).
The REST transport, the webhook routes and delivery receipts are not built yet."""
