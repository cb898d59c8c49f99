"""Options of the serverless constructs (Lambda functions and their event sources), beside them;
no framework import: settings files and validation use them before jsii starts.

Each ``*_problem`` function returns what is wrong with a value (``None`` when it is right), so a
system's validator can turn it into a ``ConfigError`` naming its own field, and the constructs
raise the same problem from their constructors (validate early).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum


class Architecture(Enum):
    """The instruction set a function runs on."""

    ARM64 = "arm64"
    """Graviton: about 20 % cheaper per GB-second than x86_64 for the same memory."""
    X86_64 = "x86_64"


@dataclass(frozen=True)
class Runtime:
    """One Lambda runtime identifier and where it is in AWS's deprecation schedule."""

    deprecated: date | None
    """When AWS deprecates (or deprecated) it: no more security patches. ``None``: not announced."""
    creatable: bool = True
    """Whether AWS still lets you *create* a function on it (as of :data:`RUNTIMES_AS_OF`)."""
    replacement: str | None = None
    """The runtime to move to."""


RUNTIMES_AS_OF = date(2026, 11, 1)
"""Date of :data:`RUNTIMES`: AWS's runtime table (https://docs.aws.amazon.com/lambda/latest/dg/
lambda-runtimes.html) as of this date. Update it when AWS announces a new deprecation."""

RUNTIMES: dict[str, Runtime] = {
    # Python
    "python3.14": Runtime(date(2029, 6, 30)),
    "python3.13": Runtime(date(2029, 6, 30)),
    "python3.12": Runtime(date(2028, 10, 31)),
    "python3.11": Runtime(date(2026, 6, 30), replacement="python3.13"),
    "python3.10": Runtime(date(2026, 6, 30), replacement="python3.13"),
    "python3.9": Runtime(date(2025, 12, 15), creatable=False, replacement="python3.13"),
    "python3.8": Runtime(date(2024, 10, 14), creatable=False, replacement="python3.13"),
    "python3.7": Runtime(date(2023, 12, 4), creatable=False, replacement="python3.13"),
    # Node.js
    "nodejs24.x": Runtime(date(2028, 4, 30)),
    "nodejs22.x": Runtime(date(2027, 4, 30)),
    "nodejs20.x": Runtime(date(2026, 4, 30), replacement="nodejs22.x"),
    "nodejs18.x": Runtime(date(2025, 9, 1), creatable=False, replacement="nodejs22.x"),
    "nodejs16.x": Runtime(date(2024, 6, 12), creatable=False, replacement="nodejs22.x"),
    "nodejs14.x": Runtime(date(2023, 12, 4), creatable=False, replacement="nodejs22.x"),
    # Java, .NET, Ruby, OS-only
    "java25": Runtime(date(2029, 6, 30)),
    "java21": Runtime(date(2029, 6, 30)),
    "java17": Runtime(date(2026, 6, 30), replacement="java21"),
    "java11": Runtime(date(2026, 6, 30), replacement="java21"),
    "dotnet10": Runtime(date(2028, 11, 14)),
    "dotnet8": Runtime(date(2026, 11, 10), replacement="dotnet10"),
    "ruby3.4": Runtime(date(2028, 3, 31)),
    "ruby3.3": Runtime(date(2027, 3, 31)),
    "ruby3.2": Runtime(date(2026, 3, 31), replacement="ruby3.4"),
    "provided.al2023": Runtime(date(2029, 6, 30)),
    "provided.al2": Runtime(date(2026, 6, 30), replacement="provided.al2023"),
    "go1.x": Runtime(date(2024, 1, 8), creatable=False, replacement="provided.al2023"),
}

MEMORY_MB = (128, 10240)
"""Lambda's memory range (MB, in 1-MB steps)."""
TIMEOUT_SECONDS = (1, 900)
"""Lambda's timeout range (seconds)."""
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HANDLER = re.compile(r"^[^\s]{1,128}$")
_ENV_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SECRET_LIKE = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", re.I)
# Lambda reserves these names for its own runtime environment.
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})


@dataclass(frozen=True, kw_only=True)
class FunctionOptions:
    """One Lambda function packaged from a source directory at synth time."""

    name: str
    """Short name, e.g. ``image-resize``; the function is ``<project>-<name>-<env>``."""
    source: str
    """Directory of the code, relative to the repository root (or absolute), zipped at synth."""
    runtime: str
    """A Lambda runtime identifier AWS still lets you create, e.g. ``python3.13``, ``nodejs22.x``."""
    handler: str
    """``module.function`` (Python) or ``file.export`` (Node.js), e.g. ``handler.handle``."""
    memory_mb: int = 128
    """Memory (128-10240 MB; CPU grows with it). Defaults to 128."""
    timeout_seconds: int = 3
    """Longest run (1-900 s). Defaults to Lambda's 3."""
    architecture: Architecture = Architecture.ARM64
    """Defaults to ``arm64`` (Graviton, cheaper); pure Python or JavaScript runs on both."""
    environment: dict[str, str] = field(default_factory=dict)
    """Plain environment variables. Never secrets: grant the function a secret and read it at run
    time. Defaults to none."""
    in_vpc: bool = False
    """Run in the VPC's private app subnets with the function's own security group (to reach
    services or databases by private address; AWS APIs through NAT). Defaults to off."""
    code_from_ci: bool = True
    """The application's CI owns the code (``aws lambda update-function-code``): Terraform uploads the
    zip of ``source`` when it creates the function and then ignores the code (``ignore_changes`` on
    ``filename`` and ``source_code_hash``), so an apply never puts the first zip back over a delivered
    one. Defaults to on; off, every synth's zip is deployed by ``terraform apply``."""
    reserved_concurrency: int | None = None
    """Concurrent executions reserved for (and limited to) the function. Defaults to none: the
    account's unreserved pool, no limit of its own."""
    tracing: bool = False
    """AWS X-Ray active tracing. Defaults to off (pass-through)."""
    log_retention_days: int | None = None
    """Retention of the function's log group. Defaults to the environment's ``log_retention_days``."""
    max_async_retries: int = 2
    """Retries of a failed asynchronous invocation (0-2) before it goes to the failure
    destination. Defaults to Lambda's 2."""


@dataclass(frozen=True, kw_only=True)
class ScheduleOptions:
    """An EventBridge Scheduler schedule that invokes a function."""

    name: str
    """Short name, e.g. ``daily-report``; the schedule is ``<project>-<name>-<env>``."""
    expression: str
    """``cron(minutes hours day-of-month month day-of-week year)`` or ``rate(1 hour)``."""
    timezone: str = "UTC"
    """IANA time zone of a cron expression, e.g. ``Asia/Seoul``. Defaults to UTC."""
    description: str = ""
    """Defaults to none."""


def runtime_problem(runtime: str) -> tuple[str, str] | None:
    """``(problem, fix)`` when ``runtime`` cannot be used for a new function; ``None`` if it can."""
    known = RUNTIMES.get(runtime)
    if known is None:
        current = sorted(r for r, v in RUNTIMES.items() if v.creatable and v.replacement is None)
        return "not a Lambda runtime this project knows", f"use one of {', '.join(current)}"
    if not known.creatable:
        return (f"deprecated by AWS on {known.deprecated.isoformat()}; AWS no longer lets you create "
                f"functions on it (as of {RUNTIMES_AS_OF.isoformat()})", f"use {known.replacement}")
    return None


def runtime_note(runtime: str, today: date | None = None) -> str | None:
    """A note for a runtime that is still creatable but deprecated (or deprecated within 6 months)."""
    known = RUNTIMES.get(runtime)
    if known is None or known.deprecated is None or known.replacement is None:
        return None
    today = today or date.today()
    when = "was deprecated" if known.deprecated <= today else "will be deprecated"
    return (f"Lambda runtime {runtime} {when} on {known.deprecated.isoformat()} (no security patches "
            f"after that; AWS later blocks updates): plan the move to {known.replacement}")


def function_problems(options: FunctionOptions) -> list[tuple[str, object, str, str]]:
    """Every ``(field, value, problem, fix)`` of ``options`` (field relative to the options)."""
    o, found = options, []
    if not re.fullmatch(r"[a-z](?:[a-z0-9-]*[a-z0-9])?", o.name) or len(o.name) > 40:
        found.append(("name", o.name, "use lowercase letters, digits and inner hyphens", "e.g. 'image-resize'"))
    if problem := runtime_problem(o.runtime):
        found.append(("runtime", o.runtime, *problem))
    if not _HANDLER.match(o.handler) or "." not in o.handler:
        found.append(("handler", o.handler, "not a handler", "write it as module.function, e.g. 'handler.handle'"))
    if not MEMORY_MB[0] <= o.memory_mb <= MEMORY_MB[1]:
        found.append(("memory_mb", o.memory_mb, f"Lambda offers {MEMORY_MB[0]} to {MEMORY_MB[1]} MB",
                      "choose a size from 128 to 10240 MB"))
    if not TIMEOUT_SECONDS[0] <= o.timeout_seconds <= TIMEOUT_SECONDS[1]:
        found.append(("timeout_seconds", o.timeout_seconds, "Lambda runs a function 1 to 900 seconds",
                      "choose 1 to 900 (longer work belongs in a Fargate task or Step Functions)"))
    for variable, value in o.environment.items():
        if not _ENV_VARIABLE.match(variable):
            found.append((f"environment[{variable!r}]", variable, "not an environment variable name",
                          "use letters, digits and '_', starting with a letter"))
        elif variable in RESERVED_VARIABLES:
            found.append((f"environment[{variable!r}]", variable, "reserved by the Lambda runtime", "rename it"))
        elif _SECRET_LIKE.search(variable):
            found.append((f"environment[{variable!r}]", "<redacted>",
                          "looks like a secret; environment variables are plain text in the function's "
                          "configuration", "keep it in Secrets Manager, grant the function read access "
                          "and read it at run time"))
    if o.reserved_concurrency is not None and not 0 <= o.reserved_concurrency <= 1000:
        found.append(("reserved_concurrency", o.reserved_concurrency,
                      "a reservation is 0 to the account's concurrency (1000 by default)",
                      "choose e.g. 5, or leave it out"))
    if not 0 <= o.max_async_retries <= 2:
        found.append(("max_async_retries", o.max_async_retries, "Lambda retries an async event 0 to 2 times",
                      "choose 0, 1 or 2"))
    if o.log_retention_days is not None and o.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(("log_retention_days", o.log_retention_days, "CloudWatch Logs does not offer this retention",
                      "use e.g. 7, 14, 30, 90 or 365"))
    return found


LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)

# -- schedule expressions (EventBridge Scheduler) ------------------------------------------------
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\(([^()]*)\)$")
_AT = re.compile(r"^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$")
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"


def _cron_field(value: str, low: int, high: int, names: str = "", extra: str = "") -> bool:
    """One cron field: ``*``, numbers or names with ``,`` ``-`` ``/``, and the field's own specials."""
    atom = rf"(?:\d{{1,4}}{'|' + names if names else ''})"
    item = rf"(?:\*|{atom}(?:-{atom})?)(?:/\d{{1,4}})?"
    if extra and re.fullmatch(extra, value):
        return True
    if not re.fullmatch(rf"{item}(?:,{item})*", value):
        return False
    numbers = [int(n) for n in re.findall(r"(?<![/\d])\d+", value)]
    return all(low <= n <= high for n in numbers)


def schedule_expression_problem(expression: str) -> str | None:
    """Why ``expression`` is not a valid EventBridge (Scheduler) expression; ``None`` if it is."""
    if _AT.match(expression):
        from datetime import datetime

        try:
            datetime.strptime(expression[3:-1], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return "not a date and time that exists: write at(yyyy-mm-ddThh:mm:ss)"
        return None
    if m := _RATE.match(expression):
        value, unit = int(m.group(1)), m.group(2)
        if value < 1:
            return "a rate needs a positive value"
        if (value == 1) != (not unit.endswith("s")):
            return f"the unit is singular for 1 and plural otherwise: 'rate(1 {unit.rstrip('s')})', 'rate(2 {unit.rstrip('s')}s)'"
        return None
    if m := _CRON.match(expression):
        fields = m.group(1).split(" ")
        if len(fields) != 6:
            return (f"an EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year), "
                    f"this one has {len(fields)}")
        minutes, hours, dom, month, dow, year = fields
        checks = (
            ("minutes", _cron_field(minutes, 0, 59)),
            ("hours", _cron_field(hours, 0, 23)),
            ("day-of-month", _cron_field(dom, 1, 31, extra=r"\?|L|W|\d{1,2}W|L-\d{1,2}")),
            ("month", _cron_field(month, 1, 12, _MONTHS)),
            ("day-of-week", _cron_field(dow, 1, 7, _DAYS, extra=rf"\?|L|(?:[1-7]|{_DAYS})(?:L|#[1-5])")),
            ("year", _cron_field(year, 1970, 2199)),
        )
        for name, ok in checks:
            if not ok:
                return f"the {name} field is not valid"
        if (dom == "?") == (dow == "?"):
            return "exactly one of day-of-month and day-of-week must be '?'"
        return None
    return "not 'rate(<n> <unit>)', 'cron(<6 fields>)' or 'at(<yyyy-mm-ddThh:mm:ss>)'"


def timezone_problem(timezone: str) -> str | None:
    """Why ``timezone`` is not an IANA time zone name; ``None`` if it is (``modules.aws_limits``:
    the names of ``zoneinfo.available_timezones()``)."""
    from modules.aws_limits import time_zone_problem

    problem = time_zone_problem(timezone)
    return None if problem is None else problem[0]


SCHEDULE_NAME = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")
"""EventBridge Scheduler ``Name``: 1-64 of letters, digits, '.', '-' and '_'."""
SCHEDULE_DESCRIPTION_MAX = 512


def schedule_problems(options: ScheduleOptions) -> list[tuple[str, object, str, str]]:
    """Every ``(field, value, problem, fix)`` of a schedule (field relative to the options)."""
    o, found = options, []
    if not re.fullmatch(r"[a-z](?:[a-z0-9-]*[a-z0-9])?", o.name) or len(o.name) > 40:
        found.append(("name", o.name, "use lowercase letters, digits and inner hyphens (at most 40)",
                      "e.g. 'daily-report'"))
    if problem := schedule_expression_problem(o.expression):
        found.append(("expression", o.expression, problem,
                      "write e.g. 'rate(1 hour)' or 'cron(0 0 * * ? *)' (6 fields, '?' in day-of-month or day-of-week)"))
    if problem := timezone_problem(o.timezone):
        found.append(("timezone", o.timezone, problem, "use an IANA name, e.g. 'Asia/Seoul' or 'UTC'"))
    if len(o.description) > SCHEDULE_DESCRIPTION_MAX:
        found.append(("description", o.description, f"{len(o.description)} characters; EventBridge Scheduler "
                      f"keeps at most {SCHEDULE_DESCRIPTION_MAX}", "shorten it"))
    return found


def s3_key_filter_problem(value: str) -> str | None:
    """Why an object-key prefix or suffix filter would never match as intended; ``None`` if fine."""
    if value.startswith("/"):
        return "S3 keys never start with '/': this filter would match nothing"
    if len(value) > 1024:
        return "S3 keys are at most 1024 bytes"
    if "*" in value or "?" in value:
        return "S3 notification filters match literally: wildcards are not supported"
    return None


# -- a schedule inside working hours ----------------------------------------------------------------
_DAY_NAMES = _DAYS.split("|")


def _days(field: str) -> set[str] | None:
    """Day names of a day-of-week field (``MON-FRI``, ``MON,WED``, ``*``/``?``: every day), or ``None``
    when it is written with numbers or steps (not compared here)."""
    if field in ("*", "?"):
        return set(_DAY_NAMES)
    days: set[str] = set()
    for part in field.upper().split(","):
        first, _, last = part.partition("-")
        if first not in _DAY_NAMES or (last and last not in _DAY_NAMES):
            return None
        i, j = _DAY_NAMES.index(first), _DAY_NAMES.index(last or first)
        days |= {_DAY_NAMES[k % 7] for k in range(i, j + 1 if j >= i else j + 8)}
    return days


def _numbers(field: str, low: int, high: int) -> set[int] | None:
    """The values of a minute or hour field (``30``, ``9-17``, ``9,12``, ``*``), or ``None`` with steps."""
    if field == "*":
        return set(range(low, high + 1))
    values: set[int] = set()
    for part in field.split(","):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        values |= set(range(int(first), int(last or first) + 1))
    return values


def schedule_outside_hours(schedule: ScheduleOptions, *, opens: str, closes: str, time_zone: str,
                           settle_minutes: int = 30) -> tuple[str, str] | None:
    """``(problem, fix)`` when ``schedule`` may fire outside the window from ``opens`` (plus
    ``settle_minutes``: what is started then needs a few minutes) to ``closes`` — two 5-field crons
    (``0 9 * * MON-FRI``, ``0 18 * * MON-FRI``) in ``time_zone`` — or ``None`` when every run is inside."""
    open_minute, open_hour, *_, open_days = opens.split()
    close_minute, close_hour = closes.split()[:2]
    start = int(open_hour) * 60 + int(open_minute) + settle_minutes
    end = int(close_hour) * 60 + int(close_minute)
    first, last = f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"
    fix = (f"run it in the window, e.g. cron({start % 60} {start // 60} ? * {open_days.upper()} *) in "
           f"{time_zone}, or keep what it needs running")
    if schedule.expression.startswith("rate("):
        return f"{schedule.expression} fires around the clock; the window is {first}-{last} {time_zone}", fix
    match = _CRON.match(schedule.expression)
    if not match or len(match.group(1).split()) != 6:
        return "not a cron expression this check reads", fix
    if schedule.timezone != time_zone:
        return f"its time zone {schedule.timezone} is not the window's {time_zone}", fix
    minute, hour, day_of_month, _month, day_of_week, _year = match.group(1).split()
    minutes, hours, days = _numbers(minute, 0, 59), _numbers(hour, 0, 23), _days(day_of_week)
    window_days = _days(open_days)
    if minutes is None or hours is None or days is None or window_days is None or day_of_month not in ("*", "?"):
        return "written with steps, numbered days or days of the month: cannot show it stays in the window", fix
    if not days <= window_days:
        return f"fires on {', '.join(d for d in _DAY_NAMES if d in days - window_days)}, outside the window's days", fix
    runs = sorted(h * 60 + m for h in hours for m in minutes)
    outside = [r for r in runs if not start <= r < end]
    if outside:
        return (f"fires at {outside[0] // 60:02d}:{outside[0] % 60:02d}, outside {first}-{last} {time_zone} "
                f"(the window opens at {int(open_hour):02d}:{int(open_minute):02d}; what starts then needs "
                f"{settle_minutes} minutes)", fix)
    return None
