"""python -m bot: the same as the trainee-bot command."""

from bot.cli import main

raise SystemExit(main())
