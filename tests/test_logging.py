import logging
import sys

from config.logformat import OneLineFormatter


def test_a_traceback_is_logged_on_one_line():
    formatter = OneLineFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord(
            "showroom", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )

    line = formatter.format(record)

    assert "\n" not in line
    assert line.startswith("ERROR failed")
    assert "ValueError: bad" in line
