"""The fault and load check: the shop under gunicorn + PostgreSQL + Redis + Celery, put
through races and faults, with a table of what was expected and what happened.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem \\
        manage.py fault_check --redis-url redis://127.0.0.1:6379/12
    manage.py fault_check --redis-url … --only last-unit,same-order --buyers 20
    manage.py fault_check --redis-url … --restart-postgres      # also restart the server, last

It creates its own database (--database-name, on the server DATABASE_URL points at; the
database DATABASE_URL names is never touched), empties the Redis database it is given at
the start and the end (give it one of its own), starts gunicorn itself on a free port
(--no-control-socket, rate limits off, e-mail kept in memory) and stops every process it
started by its PID.

Cases, in this order:
  last-unit, last-five   50 buyers (--buyers) for the last unit / the last 5: exactly 1 / 5
                         orders, stock 0 and never below it, the stock ledger sums to the stock
  same-order             one session submitting its order 5 times at once: 1 order
  db-connections         every connection of the app to its database terminated under traffic
                         (what a PostgreSQL restart does to the app, harming nobody else)
  redis                  REDIS_URL on a closed port: pages, cart, checkout, "Refresh now" answer
  worker                 a Celery worker killed mid-refresh: time until a refresh finishes
  restart-postgres       only with --restart-postgres: pg_ctlcluster restart under traffic. The
                         server is shared: it breaks other people's running tests — run it once.
Exits with an error when a case fails.
"""

import tempfile
import time
from pathlib import Path

import redis
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from shop.operations.faults import cases
from shop.operations.faults.stack import Database, Processes, closed_port

CASES = ["last-unit", "last-five", "same-order", "db-connections", "redis", "worker"]
COLUMNS = [("case", 30), ("expected", 42), ("observed", 0), ("time", 8), ("result", 6)]


class Command(BaseCommand):
    help = "Races and faults against gunicorn + PostgreSQL + Redis + Celery; prints a table."

    def add_arguments(self, parser):
        parser.add_argument("--redis-url", required=True, help="a Redis database for the check alone (it is emptied)")
        parser.add_argument("--database-name", default="tandem_fault", help="the check's own database (recreated)")
        parser.add_argument("--buyers", type=int, default=50)
        parser.add_argument("--only", default="", help=f"comma-separated cases: {', '.join(CASES)}")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
        parser.add_argument(
            "--recovery-timeout", type=float, default=300, help="seconds to wait for a refresh after the worker is killed"
        )
        parser.add_argument("--restart-postgres", action="store_true", help="also restart PostgreSQL (last, once)")
        parser.add_argument("--postgres-cluster", default="15 main", help="for pg_ctlcluster: version and name")
        parser.add_argument("--drop", action="store_true", help="drop the check's database at the end")

    def handle(self, *args, redis_url, database_name, buyers, only, workers, threads, recovery_timeout,
               restart_postgres, postgres_cluster, drop, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The fault check runs on PostgreSQL: set DATABASE_URL=postgres://… (its server is used).")
        if database_name == connection.settings_dict["NAME"]:
            raise CommandError("--database-name must not be the database DATABASE_URL names: the check recreates it.")
        wanted = [name.strip() for name in only.split(",") if name.strip()] or CASES
        if unknown := set(wanted) - set(CASES):
            raise CommandError(f"Unknown cases: {', '.join(sorted(unknown))}. Cases: {', '.join(CASES)}.")
        database = Database(database_name)
        broker = redis.Redis.from_url(redis_url)
        broker.flushdb()
        processes = Processes(log_dir=Path(tempfile.mkdtemp(prefix="fault-check-")))
        rows: list[cases.Row] = []
        try:
            self.stdout.write(f"Database {database.name}: creating and migrating…")
            database.create()
            shop = cases.seed()
            env = processes.environment(database=database, redis_url=redis_url)
            processes.collect_static(env)
            server = processes.gunicorn(env=env, workers=workers, threads=threads)
            self.stdout.write(f"gunicorn at {server.base} ({workers} workers × {threads} threads); logs in {processes.log_dir}")

            def run(name: str, case) -> None:
                if name in wanted:
                    self.stdout.write(f"  {name}…")
                    rows.append(self.safely(name, case))

            run("last-unit", lambda: cases.buyers_race(server, shop, product_id=shop.last_unit, units=1, buyers=buyers,
                                                       database=database))
            run("last-five", lambda: cases.buyers_race(server, shop, product_id=shop.last_five, units=5, buyers=buyers,
                                                       database=database))
            run("same-order", lambda: cases.same_order_five_times(server, shop))
            run("db-connections", lambda: cases.database_fault(
                server, shop, name="DB connections terminated", fault=cases.terminate_backends(database)))
            run("worker", lambda: cases.worker_killed_mid_refresh(
                server, shop, processes=processes, env=env, recovery_timeout=recovery_timeout))
            if "redis" in wanted:
                down = processes.gunicorn(
                    env={**env, "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}, workers=workers, threads=threads
                )
                run("redis", lambda: cases.redis_unreachable(down, shop))
                processes.stop(down.process)
            if restart_postgres:
                wanted.append("restart-postgres")
                run("restart-postgres", lambda: cases.database_fault(
                    server, shop, name="PostgreSQL restarted", fault=cases.restart_postgres(postgres_cluster)))
        finally:
            processes.stop_all()
            broker.flushdb()
            if drop:
                database.drop()
        self.print_table(rows)
        failed = [row.case for row in rows if not row.passed]
        if failed:
            raise CommandError(f"{len(failed)} of {len(rows)} cases failed: {', '.join(failed)}.")

    def safely(self, name: str, case) -> cases.Row:
        """A case that breaks is a failed row, and the other cases still run."""
        started = time.monotonic()
        try:
            return case()
        except Exception as exc:  # noqa: BLE001 - reported in the table
            return cases.Row(name, "", f"the case broke: {type(exc).__name__}: {exc}", time.monotonic() - started, False)
        finally:
            connection.close()

    def print_table(self, rows: list[cases.Row]) -> None:
        observed_width = max([len("observed"), *(len(row.observed) for row in rows)])
        widths = {name: width or observed_width for name, width in COLUMNS}

        def line(values: dict) -> str:
            return " | ".join(str(values[name]).ljust(widths[name]) for name, _ in COLUMNS).rstrip()

        self.stdout.write("")
        self.stdout.write(line({name: name for name, _ in COLUMNS}))
        self.stdout.write("-+-".join("-" * widths[name] for name, _ in COLUMNS))
        for row in rows:
            self.stdout.write(line({
                "case": row.case, "expected": row.expected, "observed": row.observed,
                "time": f"{row.seconds:.1f} s", "result": "PASS" if row.passed else "FAIL",
            }))
