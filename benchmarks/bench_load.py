"""Load test: caseworkers, police, mentors and managers using the pages at once, over HTTP, through gunicorn.

    python -m benchmarks.bench_load [--users 50] [--duration 300] [--think 1-5] [--no-check] ...

1. `benchmarks.load_prepare` copies the benchmark city into the load database (the run records
   interventions) and makes signed-in sessions and what each persona will ask for.
2. gunicorn serves the product (DEBUG and DEMO off, sessions in PostgreSQL, audit rows written,
   Celery eager: recording an intervention queues nothing) with benchmarks/load_settings.py, which adds
   one minimal signed-in view, the framework's floor.
3. The mix (locust, headless, as a library): `--users` people at once, each repeating its persona's
   journey with `--think` seconds between pages, for `--duration` seconds after a ramp-up and warm-up:
   - caseworker (5 in 10): home, search, child page; one journey in three records an intervention
     (the form, saving it, the intervention's page);
   - police (2 in 10): home, search, two child pages;
   - manager (2 in 10): home, dashboard, search, child page;
   - mentor (1 in 10): home, the mentoring page, a mentee's page.
   Prints p50, p95, p99, requests per second and errors per page, as seen by the client (queueing in
   gunicorn included).
4. Throughput (same run, same server): for the floor and each page of the mix in turn, `--capacity-users`
   clients with no think time for `--capacity-seconds`, `--capacity-rounds` times, interleaved so that
   other work on the machine weighs on all alike; each page's requests per second and its ratio to the
   floor's. Beside them the child minimum (benchmarks/load_urls.py): the child found through the access
   policy and the read audited, nothing shown, the ceiling of any child page.

One `name value unit` line per figure. Targets: p95 <= 300 ms for every page of the mix, no errors, the
child page's throughput >= 30% of the floor's; exit 1 when one is missed unless --no-check.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date  # noqa: E402
from http.cookiejar import Cookie  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, between, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

from benchmarks import env  # noqa: E402
from benchmarks.load_prepare import drop_database  # noqa: E402

TARGET_P95_MS = 300.0
TARGET_CHILD_PAGE_SHARE = 0.30
FLOOR = "floor"
# Pages of the mix, in the order they are printed.
PAGES = (
    "home",
    "search",
    "child_page",
    "dashboard",
    "mentoring_page",
    "intervention_form",
    "log_intervention",
    "intervention_page",
)
# The child minimum (benchmarks/load_urls.py): the child found through the access policy and the read
# audited, nothing shown; the most any child page could reach.
CHILD_MINIMUM = "child_minimum"
CAPACITY_PAGES = (FLOOR, CHILD_MINIMUM, "child_page", "home", "search", "dashboard", "log_intervention")
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PLAN: dict = {}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def emit(name: str, value, unit: str) -> None:
    print(f"{name} {value:.1f} {unit}" if isinstance(value, float) else f"{name} {value} {unit}", flush=True)


class Recorder:
    """Every request's time and outcome, kept only while recording (not during ramp-up and warm-up)."""

    def __init__(self) -> None:
        self.recording = False
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.first_errors: dict[str, str] = {}

    def on_request(self, name: str, response_time: float, exception=None, **_kwargs) -> None:
        if not self.recording:
            return
        self.times[name].append(response_time)
        if exception is not None:
            self.errors[name] += 1
            self.first_errors.setdefault(name, str(exception)[:200])

    def clear(self) -> None:
        self.times.clear()
        self.errors.clear()


def session_cookie(name: str, value: str) -> Cookie:
    return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {})


_next_session: dict[str, itertools.count] = defaultdict(itertools.count)


class Person(FastHttpUser):
    """One signed-in person: a session of their persona (made by load_prepare), and the CSRF token of
    their first page for the forms they send."""

    abstract = True
    persona = ""
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.data = PLAN["personas"][self.persona]
        sessions = self.data["sessions"]
        self.client.cookiejar.set_cookie(
            session_cookie(PLAN["session_cookie"], sessions[next(_next_session[self.persona]) % len(sessions)])
        )
        self.rng = random.Random()
        self.csrf = ""
        self.csrf = self.token(self.page("GET", "/", "home"))

    def page(self, method: str, path: str, name: str, expect: int = 200, **kwargs):
        headers = {"X-CSRFToken": self.csrf} if method == "POST" else {}
        with self.client.request(
            method, path, name=name, allow_redirects=False, catch_response=True, headers=headers, **kwargs
        ) as response:
            if response.status_code != expect:
                response.failure(f"answered {response.status_code}, expected {expect}")
            return response

    @staticmethod
    def token(response) -> str:
        found = CSRF_TOKEN.search(response.text or "")
        return found.group(1) if found else ""

    def child(self) -> None:
        self.page("GET", f"/children/{self.rng.choice(self.data['children'])}/", "child_page")

    def search(self) -> None:
        self.page("POST", "/children/search/", "search", data={"name": self.rng.choice(self.data["searches"])})

    def record_intervention(self) -> None:
        """The form, a pause to fill it in, saving it, and the intervention's page it leads to."""
        child = self.rng.choice(self.data["record"]["children"])
        form = self.page("GET", f"/children/{child}/interventions/new/", "intervention_form")
        self.wait()
        saved = self.save_intervention(child, self.token(form) or self.csrf)
        location = saved.headers.get("Location", "") if saved.status_code == 302 else ""
        if location:
            self.page("GET", location, "intervention_page")

    def save_intervention(self, child: int, token: str):
        record, today = self.data["record"], date.today()
        return self.page(
            "POST",
            f"/children/{child}/interventions/new/",
            "log_intervention",
            expect=302,
            data={
                "csrfmiddlewaretoken": token,
                "intervention_type": record["intervention_type"],
                "lead_agency": record["lead_agency"],
                "lead_professional": "",
                "started_on_day": today.day,
                "started_on_month": today.month,
                "started_on_year": today.year,
                "planned_outcomes": "Attends school every day for a month; knows who to call when worried.",
                "status": "active",
            },
        )


class Caseworker(Person):
    persona = "caseworker"
    weight = 5

    @task
    def journey(self) -> None:
        self.page("GET", "/", "home")
        self.wait()
        self.search()
        self.wait()
        self.child()
        if self.rng.random() < 1 / 3:
            self.wait()
            self.record_intervention()


class Police(Person):
    persona = "police"
    weight = 2

    @task
    def journey(self) -> None:
        self.page("GET", "/", "home")
        self.wait()
        self.search()
        self.wait()
        self.child()
        self.wait()
        self.child()


class Manager(Person):
    persona = "manager"
    weight = 2

    @task
    def journey(self) -> None:
        self.page("GET", "/", "home")
        self.wait()
        self.page("GET", "/dashboards/", "dashboard")
        self.wait()
        self.search()
        self.wait()
        self.child()


class Mentor(Person):
    persona = "mentor"
    weight = 1

    @task
    def journey(self) -> None:
        self.page("GET", "/", "home")
        self.wait()
        self.page("GET", "/mentoring/my/", "mentoring_page")
        self.wait()
        self.child()


MIX = [Caseworker, Police, Manager, Mentor]


def capacity_user(page: str) -> type[Person]:
    """A person asking for one page again and again, with no pause."""

    def ask(self: Person) -> None:
        if page == FLOOR:
            self.page("GET", "/bench/floor/", FLOOR)
        elif page == CHILD_MINIMUM:
            self.page("GET", f"/bench/child-minimum/{self.rng.choice(self.data['children'])}/", CHILD_MINIMUM)
        elif page == "home":
            self.page("GET", "/", "home")
        elif page == "search":
            self.search()
        elif page == "child_page":
            self.child()
        elif page == "dashboard":
            self.page("GET", "/dashboards/", "dashboard")
        elif page == "log_intervention":
            self.save_intervention(self.rng.choice(self.data["record"]["children"]), self.csrf)

    persona = "manager" if page == "dashboard" else "caseworker"
    return type(f"Only_{page}", (Person,), {"persona": persona, "wait_time": constant(0), "ask": task(ask)})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, secret_key: str) -> dict[str, str]:
    environ = dict(os.environ)
    environ.pop("REDIS_URL", None)  # Celery eager: nothing in these journeys queues work
    environ.update(
        DJANGO_SETTINGS_MODULE="benchmarks.load_settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        DEMO="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback: no redirect, cookies not HTTPS-only
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
    )
    return environ


def start_gunicorn(environ: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "safeguarding.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--no-control-socket",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=environ, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped at start:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not answer /healthz within 90 s")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far, from /proc (None when it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return pids


class CpuMeter:
    """CPU the server spends, whatever else the machine is doing: gunicorn's workers and the PostgreSQL
    backends connected to the load database (both on this machine, read from /proc). Divided by the
    requests served it is a page's cost, which other work on a shared machine does not change."""

    def __init__(self, master_pid: int, database_url: str) -> None:
        import psycopg

        self.master = master_pid
        self.database = env.database_name(database_url)
        self.connection = psycopg.connect(urlsplit(database_url)._replace(path="/postgres").geturl())
        self.connection.autocommit = True

    def backends(self) -> list[int]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                [self.database],
            )
            return [row[0] for row in cursor.fetchall()]

    def snapshot(self) -> dict[str, dict[int, float]]:
        groups = {"app": children_of(self.master), "db": self.backends()}
        return {
            group: {pid: used for pid in pids if (used := cpu_seconds(pid)) is not None}
            for group, pids in groups.items()
        }

    @staticmethod
    def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        """CPU seconds per group between two snapshots; a process that started in between counts from zero."""
        return {group: sum(used - before[group].get(pid, 0.0) for pid, used in after[group].items()) for group in after}


@dataclass
class Window:
    seconds: float
    cpu: dict[str, float]


def run(
    user_classes: list[type],
    users: int,
    spawn_rate: float,
    host: str,
    recorder: Recorder,
    meter: CpuMeter,
    settle: float,
    seconds: float,
) -> Window:
    """Start the users, wait `settle` seconds unrecorded, then record requests and the server's CPU for `seconds`."""
    environment = Environment(user_classes=user_classes, host=host)
    environment.events.request.add_listener(recorder.on_request)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    gevent.sleep(settle)
    before = meter.snapshot()
    started = time.monotonic()
    recorder.recording = True
    gevent.sleep(seconds)
    recorder.recording = False
    recorded = time.monotonic() - started
    after = meter.snapshot()
    runner.quit()
    return Window(recorded, CpuMeter.used(before, after))


def parse_think(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="people at once in the mix (default 50)")
    parser.add_argument("--duration", type=float, default=300, help="seconds of the mix measured (default 300)")
    parser.add_argument("--think", default="1-5", help="seconds between one person's pages, LOW-HIGH (default 1-5)")
    parser.add_argument("--warm-up", type=float, default=20, help="seconds of the mix before measuring (default 20)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--capacity-users", type=int, help="clients per page for throughput (default 2 x workers)")
    parser.add_argument("--capacity-seconds", type=float, default=15, help="seconds per page and round (default 15)")
    parser.add_argument("--capacity-rounds", type=int, default=2, help="rounds over the pages (default 2)")
    parser.add_argument("--database-url", help="the load database, a copy of the city (default: <city>_load)")
    parser.add_argument("--no-copy", action="store_true", help="do not copy the city: write into --database-url")
    parser.add_argument("--keep", action="store_true", help="keep the copy afterwards (default: drop it)")
    parser.add_argument("--no-check", action="store_true", help="exit 0 even when a target is missed")
    args = parser.parse_args(argv)

    city_url = env.bench_database_url()
    load_url = env.bench_database_url(args.database_url or city_url.rstrip("/") + "_load")
    secret_key = secrets.token_urlsafe(50)
    environ = server_environment(load_url, secret_key)
    capacity_users = args.capacity_users or 2 * args.workers
    think = parse_think(args.think)

    with tempfile.TemporaryDirectory(prefix="bench_load_") as scratch:
        plan_file, log = Path(scratch) / "plan.json", Path(scratch) / "gunicorn.log"
        prepare = [sys.executable, "-m", "benchmarks.load_prepare", "--database-url", load_url, "--out", str(plan_file)]
        prepare += ["--no-copy"] if args.no_copy else ["--template-url", city_url]
        prepare += ["--sessions", str(max(args.users, capacity_users))]
        subprocess.run(prepare, env={**environ, "DJANGO_SETTINGS_MODULE": "safeguarding.settings"}, check=True)  # noqa: S603
        PLAN.update(json.loads(plan_file.read_text()))

        port = free_port()
        server = start_gunicorn(environ, port, args.workers, log)
        host = f"http://127.0.0.1:{port}"
        try:
            emit(
                "load_database",
                env.database_name(load_url),
                "(a copy of the city)" if not args.no_copy else "(written)",
            )
            emit("machine_cpus", os.cpu_count(), "cpus")
            emit("gunicorn_workers", args.workers, "sync workers")
            emit("load_users", args.users, "users")
            emit("load_think_time", args.think, "s")
            emit("load_duration", args.duration, "s")
            emit("load_average_start", round(os.getloadavg()[0], 2), "(1 min)")
            for user_class in MIX:
                user_class.wait_time = between(*think)
            mix = Recorder()
            meter = CpuMeter(server.pid, load_url)
            spawn_rate = max(1.0, args.users / 10)
            settle = args.users / spawn_rate + args.warm_up
            window = run(MIX, args.users, spawn_rate, host, mix, meter, settle, args.duration)
            emit("load_average_after_mix", round(os.getloadavg()[0], 2), "(1 min)")
            figures = report_mix(mix, window)

            capacity = Recorder()
            windows: dict[str, list[tuple[int, Window]]] = defaultdict(list)
            latencies: dict[str, list[float]] = defaultdict(list)
            failures: dict[str, int] = defaultdict(int)
            for _round in range(args.capacity_rounds):
                for page in CAPACITY_PAGES:
                    capacity.clear()
                    user = capacity_user(page)
                    window = run(
                        [user], capacity_users, capacity_users, host, capacity, meter, 3, args.capacity_seconds
                    )
                    windows[page].append((len(capacity.times[page]), window))
                    latencies[page].extend(capacity.times[page])
                    failures[page] += capacity.errors[page]
            throughput = report_throughput(windows, latencies, failures, capacity_users)
        finally:
            server.terminate()
            server.wait(timeout=30)
            if not (args.no_copy or args.keep):
                drop_database(load_url)
        errors_logged = log.read_text(errors="replace").count("Traceback")
        emit("gunicorn_tracebacks", errors_logged, "tracebacks")
        emit("load_average_end", round(os.getloadavg()[0], 2), "(1 min)")
        for name, message in {**mix.first_errors, **capacity.first_errors}.items():
            print(f"# first error on {name}: {message}", flush=True)

    return check(figures, throughput, args.no_check)


def per_request(cpu_seconds: float, requests: int) -> float:
    return 1000 * cpu_seconds / requests if requests else 0.0


def report_mix(mix: Recorder, window: Window) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for page in PAGES:
        times = mix.times.get(page, [])
        if not times:
            continue
        figures[page] = {"p95": percentile(times, 0.95), "errors": mix.errors.get(page, 0)}
        emit(f"mix_{page}_requests", len(times), "requests")
        emit(f"mix_{page}_p50", percentile(times, 0.50), "ms")
        emit(f"mix_{page}_p95", percentile(times, 0.95), "ms")
        emit(f"mix_{page}_p99", percentile(times, 0.99), "ms")
        emit(f"mix_{page}_rps", len(times) / window.seconds, "req/s")
        emit(f"mix_{page}_errors", mix.errors.get(page, 0), "errors")
    everything = [value for page in PAGES for value in mix.times.get(page, [])]
    if not everything:
        sys.exit("No request of the mix completed: is the server answering?")
    emit("mix_all_p50", percentile(everything, 0.50), "ms")
    emit("mix_all_p95", percentile(everything, 0.95), "ms")
    emit("mix_all_p99", percentile(everything, 0.99), "ms")
    emit("mix_all_rps", len(everything) / window.seconds, "req/s")
    emit("mix_all_errors", sum(mix.errors.values()), "errors")
    emit("mix_all_cpu_app", per_request(window.cpu["app"], len(everything)), "ms per request (gunicorn)")
    emit("mix_all_cpu_db", per_request(window.cpu["db"], len(everything)), "ms per request (PostgreSQL)")
    emit("mix_server_cpus_used", (window.cpu["app"] + window.cpu["db"]) / window.seconds, "cpus")
    return figures


def report_throughput(
    windows: dict[str, list[tuple[int, "Window"]]],
    latencies: dict[str, list[float]],
    failures: dict[str, int],
    clients: int,
) -> dict[str, float]:
    """Each page's best round (the one other work on the machine disturbed least), and its CPU per request
    over all rounds: app plus database, the cost that sets its throughput on a machine it has to itself."""
    emit("throughput_clients", clients, "clients, no think time")
    best, cost = {}, {}
    for page in CAPACITY_PAGES:
        rates = [requests / window.seconds for requests, window in windows[page]]
        served = sum(requests for requests, _window in windows[page])
        app = per_request(sum(window.cpu["app"] for _requests, window in windows[page]), served)
        db = per_request(sum(window.cpu["db"] for _requests, window in windows[page]), served)
        best[page], cost[page] = max(rates), app + db
        emit(f"throughput_{page}_rps", best[page], "req/s")
        emit(f"throughput_{page}_p50", percentile(latencies[page], 0.50) if latencies[page] else 0.0, "ms")
        emit(f"throughput_{page}_errors", failures[page], "errors")
        emit(f"throughput_{page}_cpu_app", app, "ms per request (gunicorn)")
        emit(f"throughput_{page}_cpu_db", db, "ms per request (PostgreSQL)")
        print(f"# throughput {page} per round: {', '.join(f'{rate:.1f}' for rate in rates)} req/s", flush=True)
        if page != FLOOR:
            emit(f"throughput_{page}_share_of_floor", 100 * best[page] / best[FLOOR] if best[FLOOR] else 0.0, "%")
            emit(f"throughput_{page}_cpu_share_of_floor", 100 * cost[FLOOR] / cost[page] if cost[page] else 0.0, "%")
    return best


def check(figures: dict[str, dict[str, float]], throughput: dict[str, float], no_check: bool) -> int:
    results = []
    for page, figure in figures.items():
        results.append((f"{page} p95 {figure['p95']:.1f} ms <= {TARGET_P95_MS:.0f} ms", figure["p95"] <= TARGET_P95_MS))
    errors = sum(int(figure["errors"]) for figure in figures.values())
    results.append((f"{errors} errors in the mix = 0", errors == 0))
    share = throughput["child_page"] / throughput[FLOOR] if throughput[FLOOR] else 0.0
    results.append(
        (
            f"child page throughput {100 * share:.1f}% of the floor's >= {100 * TARGET_CHILD_PAGE_SHARE:.0f}%",
            share >= TARGET_CHILD_PAGE_SHARE,
        )
    )
    for text, met in results:
        print(f"# target {'met' if met else 'not met'}: {text}", flush=True)
    all_met = all(met for _text, met in results)
    emit("bench_load_targets_met", int(all_met), "bool")
    return 0 if all_met or no_check else 1


if __name__ == "__main__":
    sys.exit(main())
