"""Webhooks (SPEC 10): what happened, told to the CRM. events.py writes each event to the
outbox in the transaction of the change it reports; subscriptions.py manages who hears
what; delivery.py signs (Standard Webhooks) and delivers from the outbox with retries."""
