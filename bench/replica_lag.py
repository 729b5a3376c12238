"""How long a commit on the primary takes to show on a streaming replica.

Starts its own PostgreSQL primary and replica (tests/pg_cluster.py: Debian's
server binaries, loopback ports, a temporary folder, stopped afterwards;
both sync to disk as in production),
then commits `--writes` single-row inserts on the primary, one at a time,
and for each polls the replica until the row is visible:

    .venv/bin/python bench/replica_lag.py --writes 50

It prints the median, 90th percentile and maximum lag. The replica is on the
same machine, so this is the floor: replication over a network adds the
round trip, and a busy replica replays later. The site's read-your-writes
window (DATABASE_REPLICA_PIN_SECONDS) must stay well above what this
measures where the site runs.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

from tests.pg_cluster import cluster_started, missing_prerequisite  # noqa: E402


def measure(writes: int, payload: int, gap: float) -> list[float]:
    lags = []
    with cluster_started(durable=True) as cluster:
        cluster.primary.execute(
            "CREATE TABLE lag_probe (id integer PRIMARY KEY, payload text)"
        )
        cluster.wait_replayed()
        with cluster.primary.connect() as primary, cluster.replica.connect() as replica:
            for number in range(writes):
                # Autocommit: the insert is committed when execute returns.
                primary.execute(
                    "INSERT INTO lag_probe VALUES (%s, %s)", (number, "x" * payload)
                )
                committed = time.perf_counter()
                while not replica.execute(
                    "SELECT 1 FROM lag_probe WHERE id = %s", (number,)
                ).fetchone():
                    pass
                lags.append(time.perf_counter() - committed)
                time.sleep(gap)
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument(
        "--payload", type=int, default=100, help="bytes written with each row"
    )
    parser.add_argument(
        "--gap", type=float, default=0.02, help="seconds between two writes"
    )
    args = parser.parse_args()
    why = missing_prerequisite()
    if why:
        sys.exit(f"Cannot start PostgreSQL here: {why}")
    lags = sorted(measure(args.writes, args.payload, args.gap))
    ms = [lag * 1000 for lag in lags]
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    print(
        f"{len(ms)} commits: lag median {statistics.median(ms):.2f} ms, "
        f"p90 {p90:.2f} ms, max {ms[-1]:.2f} ms (min {ms[0]:.2f} ms)"
    )


if __name__ == "__main__":
    main()
