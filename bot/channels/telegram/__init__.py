"""The Telegram channel: python-telegram-bot wiring, parsing updates, rendering answers, sending, and mapping Telegram's errors."""
