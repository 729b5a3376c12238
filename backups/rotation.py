"""Which archives a grandfather-father-son rotation keeps.

Each rule keeps the newest archive of each of its N most recent periods
(days, ISO weeks, months) that have an archive; the rules are independent
and an archive kept by any of them stays. This is restic's `forget --keep-*`
policy, which is easy to predict: running it daily or once gives the same set.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Retention:
    daily: int = 0
    weekly: int = 0
    monthly: int = 0


_PERIODS: dict[str, Callable[[datetime], Hashable]] = {
    "daily": lambda moment: moment.date(),
    "weekly": lambda moment: moment.isocalendar()[:2],
    "monthly": lambda moment: (moment.year, moment.month),
}


def archives_to_keep(
    archives: Iterable[tuple[str, datetime]], *, retention: Retention
) -> set[str]:
    """Return the names to keep among (name, creation time) pairs.

    Of two archives made in the same second, the one given later counts as
    the newer.
    """
    newest_first = sorted(archives, key=lambda item: item[1])[::-1]
    keep: set[str] = set()
    for rule, period_of in _PERIODS.items():
        limit = getattr(retention, rule)
        periods: set[Hashable] = set()
        for name, moment in newest_first:
            period = period_of(moment)
            if period in periods:
                continue
            if len(periods) >= limit:
                break
            periods.add(period)
            keep.add(name)
    return keep
