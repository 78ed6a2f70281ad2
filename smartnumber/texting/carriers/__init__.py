"""SMS carriers over HTTP: Telnyx and Twilio as their APIs document them (telnyx.py,
twilio.py, in the shared terms of wire.py); the outbox's transport that picks each
number's carrier (transport.py); their webhooks' signatures (signatures.py); delivery
receipts (receipts.py); what their error codes mean (codes.py) and what we do about it
(knowledge.py); inbound MMS media (mms.py); which number uses which (registry.py)."""
