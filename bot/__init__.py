"""trainee-bot: a Telegram bot for training classes."""
