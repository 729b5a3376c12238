"""Log formatting for line-oriented collectors (journald, Docker, Loki)."""

import logging


class OneLineFormatter(logging.Formatter):
    """Write each record, traceback included, on a single line.

    Collectors split on newlines, so a multi-line traceback would otherwise
    arrive as dozens of unrelated events.
    """

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " \\n ")
