"""The WhatsApp channel through Twilio: the signed webhook, parsing, rendering, sending and status callbacks."""
