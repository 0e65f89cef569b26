"""The start-up baseline: a bare PTB bot that polls and answers "ok", nothing else.

``python -m benchmarks.bare_bot API_URL``: polls the Bot API server at API_URL until
SIGTERM (benchmarks/bench_outbox.py times it from process start to its first getUpdates).
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

TOKEN = "123456:TEST-token_for_tests_only"  # benchmarks.support.TOKEN, see outbox_process


async def ok(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer anything with "ok"."""
    if update.effective_message is not None:
        await update.effective_message.reply_text("ok")


def main(api_url: str) -> None:
    """Poll until SIGTERM."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{api_url.rstrip('/')}/bot")
        .base_file_url(f"{api_url.rstrip('/')}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, ok))
    app.run_polling(poll_interval=0.5)


if __name__ == "__main__":
    main(sys.argv[1])
