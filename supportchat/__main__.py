"""``python -m supportchat`` is the ``supportchat`` command."""

from supportchat.cli import main

main()
