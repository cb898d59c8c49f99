#!/usr/bin/env python3
"""cdktf app: one stack per environment of every system.

    python main.py                     # every environment of every system
    python main.py dev prod            # the primary system's (Codemate's) dev and prod
    python main.py conduit             # every environment of one system
    python main.py conduit:prod nest-api-dev   # system:env, or a stack name
    python main.py --list [--json]     # the stacks, their state and lock (no synth, no jsii)
    python main.py --teardown conduit:prod    # protections off, into cdktf.teardown: apply it, then destroy
    cdktf synth / cdktf deploy dev     # through the official CLI (cdktf.json runs this file)

Settings are validated before anything is built; a wrong one stops with one
line naming system, environment, field, value and fix, exit status 2, and the
previous output left exactly as it was: the new output is written to a
sibling directory and moved into place only when every stack synthesized.
Every other failure is one line too (exit 1, 2 or 130; ``--debug`` shows the
traceback), and the output directory is checked before anything is replaced
(tooling/outdir.py: never the project, the home directory or a directory this
tool did not write).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from tooling import failures
from tooling.outdir import prepared

with failures.import_guard():  # an error in a settings file: one line, not a traceback
    from environments import load
    from modules.errors import ConfigError
    from modules.project import state_key
    from modules.teardown import teardown_settings
    from modules.validation import deliberate_teardown
    from systems import BY_NAME, PRIMARY, SYSTEMS, System

EXIT_CONFIG_ERROR = failures.EXIT_BAD_INPUT
ACCOUNT_SYSTEM = "account"
"""The system whose stacks hold each AWS account's singletons (``account-<name>``)."""
ROOT = Path(__file__).resolve().parent
TEARDOWN_OUTDIR = "cdktf.teardown"
"""Where ``--teardown`` writes unless ``--outdir`` says otherwise: never over the everyday output."""


@dataclass(frozen=True)
class Selected:
    """One stack to build: its system and its environment's settings."""

    system: System
    settings: Any

    @property
    def stack_name(self) -> str:
        return self.system.stack_name(self.settings.name)


def _example():
    """The system an error's example names: the first besides the primary one."""
    return next((s for s in SYSTEMS if not s.primary), PRIMARY)


def parse_selection(tokens: Sequence[str], notes: list[str] | None = None) -> list[tuple[System, str]]:
    """``(system, environment)`` pairs named on the command line, in order, without repeats.

    A token is a primary-system environment (``dev``), a system (``conduit``: all its
    environments), ``system:env`` (``conduit:prod``) or a stack name (``conduit-prod``).
    No token selects every environment of every system. A stack named twice (``dev codemate:dev``,
    ``conduit conduit:prod``) is built once; ``notes`` receives one line per repeat (the command
    prints it on stderr and goes on: a repeat is harmless, not an error).
    """
    stacks = {s.stack_name(env): (s, env) for s in SYSTEMS for env in s.environments}
    if not tokens:
        return list(stacks.values())
    chosen: list[tuple[System, str]] = []
    named_by: dict[tuple[System, str], str] = {}
    for token in tokens:
        if token in BY_NAME:
            found = [(BY_NAME[token], env) for env in BY_NAME[token].environments]
        elif token in stacks:
            found = [stacks[token]]
        elif ":" in token and token.partition(":")[0] in BY_NAME:
            system_name, _, env = token.partition(":")
            system = BY_NAME[system_name]
            if env not in system.environments:
                raise ConfigError(
                    env, "environment", env,
                    f"unknown environment of {system.name}; known: {', '.join(system.environments)}",
                    f"use one of those, or add {system.environment_file(env)} and list it in {system.registry_file}",
                    system=system.name,
                )
            found = [(system, env)]
        elif ":" in token:
            system_name, _, env = token.partition(":")
            raise ConfigError(
                env or "?", "stack", token,
                f"unknown system '{system_name}'; systems: {', '.join(s.name for s in SYSTEMS)}",
                "name a system listed by --list (system:env, e.g. "
                f"{_example().name}:{_example().environments[-1]}); a new system "
                "is added under systems/<system>/ (README: Adding a system)",
                system="?",
            )
        else:
            example = _example()
            raise ConfigError(
                token, "stack", token,
                f"unknown system or environment; known: {', '.join(PRIMARY.environments)} ({PRIMARY.name}); "
                f"systems {', '.join(s.name for s in SYSTEMS)}",
                f"name a {PRIMARY.name} environment, a system, system:env "
                f"(e.g. {example.name}:{example.environments[-1]}) or a stack "
                "listed by --list; a new environment is added as environments/<system>/<env>.py and listed "
                "in systems/<system>/__init__.py",
                system="?",
            )
        for pair in found:
            if pair in named_by:
                if notes is not None:
                    notes.append(f"note: {token!r} names {pair[0].name}:{pair[1]} again (already named by "
                                 f"{named_by[pair]!r}); each stack is built once")
                continue
            named_by[pair] = token
            chosen.append(pair)
    return chosen


def manifest(pairs: Sequence[tuple[System, str]]) -> list[dict[str, str]]:
    """What ``--list --json`` prints: one object per stack (CI builds its matrix from it)."""
    rows = []
    for system, env in pairs:
        project = _project(system)
        rows.append({
            "system": system.name,
            "environment": env,
            "stack": system.stack_name(env),
            "state_bucket": project.state_bucket,
            "state_key": state_key(env),
            "lock_table": project.lock_table,
        })
    return rows


def _project(system: System):
    import importlib

    return importlib.import_module(f"environments.{system.package}.project").PROJECT


def main(
    argv: Sequence[str] | None = None,
    *,
    loader: Callable[[str], Any] | None = None,
) -> int:
    """``loader`` replaces how the primary system's environments are loaded (a test seam)."""
    parser = failures.OneLineParser(prog="main.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("stacks", nargs="*", metavar="STACK",
                        help=f"what to synthesize: a {PRIMARY.name} environment ({', '.join(PRIMARY.environments)}), "
                             "a system, system:env or a stack name (default: every stack)")
    parser.add_argument("--outdir", default=None,
                        help=f"output directory (default: $CDKTF_OUTDIR or cdktf.out; with --teardown {TEARDOWN_OUTDIR})")
    parser.add_argument("--list", action="store_true",
                        help="print the selected stacks with their state bucket, key and lock table; synthesize nothing")
    parser.add_argument("--json", action="store_true", help="with --list: print a JSON array")
    parser.add_argument("--debug", action="store_true",
                        help=f"print the traceback of a failure (also: {failures.DEBUG_VARIABLE}=1)")
    parser.add_argument("--teardown", action="store_true",
                        help="synthesize the named stacks with every protection against a destroy switched off "
                             "(deletion protection, force_destroy; modules/teardown.py), for tearing an environment "
                             "down deliberately: review its plan (protection updates only), apply it, then destroy")
    args = parser.parse_args(argv)
    debug = args.debug or failures.debug_requested([])
    if args.teardown and not args.stacks:
        parser.error("--teardown needs the stacks to tear down named, e.g. main.py --teardown conduit:prod")
    if args.outdir is None:
        args.outdir = TEARDOWN_OUTDIR if args.teardown else os.environ.get("CDKTF_OUTDIR", "cdktf.out")

    notes: list[str] = []

    def selection() -> list[tuple[System, str]]:
        pairs = parse_selection(args.stacks, notes)
        for note in notes:
            print(note, file=sys.stderr)
        return pairs

    if args.list:
        return failures.run(lambda: print(list_stacks(selection(), as_json=args.json))
                            or failures.EXIT_OK, debug=debug)

    stacks: list = []

    def build() -> int:
        selected = []
        # --teardown: the committed settings with their protections off, accepted in production too
        with deliberate_teardown() if args.teardown else contextlib.nullcontext():
            for system, env in selection():
                with _naming(system.name):
                    settings = loader(env) if (loader and system is PRIMARY) else load(env, system)
                    settings = teardown_settings(settings) if args.teardown else settings
                    system.validate(settings)
                selected.append(Selected(system, settings))
            check_accounts(selected)
            stacks.extend(synthesize(selected, args.outdir))
        return failures.EXIT_OK

    status = failures.run(build, outdir=lambda: args.outdir, debug=debug)
    if status != failures.EXIT_OK:
        return status
    # the new output is in place: a failure from here on must not claim it is unchanged
    return failures.run(lambda: _report(stacks, Path(args.outdir), teardown=args.teardown), debug=debug)


def _report(stacks: Sequence, outdir: Path, *, teardown: bool = False) -> int:
    """The summary on stdout; on stderr, one line each if Node loaded the provider eagerly or jsii
    needed its relay process (slower or larger, not wrong)."""
    from modules import jsii_one_process, node_lazy

    print(summary(stacks, outdir))
    if teardown:
        print("TEARDOWN: these stacks have every protection against a destroy switched off. In each stack's "
              "directory: terraform init && terraform plan (only protection updates: deletion protection, "
              "force_destroy), terraform apply, then terraform destroy. Databases leave their final snapshot.")
    for line in [*node_lazy.messages(), *jsii_one_process.messages()]:
        print(line, file=sys.stderr)
    return failures.EXIT_OK


class _naming:
    """Fill in the system of a :class:`ConfigError` raised inside (constructs do not know it)."""

    def __init__(self, system: str):
        self.system = system

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if isinstance(error, ConfigError) and not error.system:
            error.system = self.system
        return False


def list_stacks(pairs: Sequence[tuple[System, str]], *, as_json: bool) -> str:
    rows = manifest(pairs)
    if as_json:
        return json.dumps(rows, indent=2)
    width = max(len(r["stack"]) for r in rows)
    lines = [f"{'system':<10} {'env':<8} {'stack':<{width}}  state                                         lock"]
    for r in rows:
        lines.append(f"{r['system']:<10} {r['environment']:<8} {r['stack']:<{width}}  "
                     f"s3://{r['state_bucket']}/{r['state_key']:<22} {r['lock_table']}")
    return "\n".join(lines)


def synthesize(selected: Sequence[Selected | Any], outdir: str | os.PathLike) -> list:
    """Synthesize the stacks into ``outdir``, replacing it only if all of them succeed.

    ``selected`` holds :class:`Selected` items; a bare settings object means an
    environment of the primary system.
    """
    from modules.framework import new_app  # starts jsii: only once settings are valid

    items = [s if isinstance(s, Selected) else Selected(PRIMARY, s) for s in selected]
    with prepared(os.fspath(outdir), protected=(ROOT,)) as staging:
        app = new_app(outdir=str(staging))
        stacks = []
        for item in items:
            with _naming(item.system.name):
                stack = item.system.build(app, item.settings)
                add_budget(stack)
            stack.system = item.system
            stacks.append(stack)
        app.synth()
        for stack in stacks:
            settle_budget(stack, staging)
    return stacks


def add_budget(stack) -> None:
    """The stack's monthly budget, its limit settled after the synth (:func:`settle_budget`)."""
    from modules.account.budget import Budget

    stack.budget = Budget(stack, "budget", options=stack.settings.budget, limit_usd=None)


def settle_budget(stack, outdir: Path) -> int:
    """The budget's limit: ``make cost``'s estimate of the stack's synthesized Terraform JSON (autoscaling at
    its maximum, without the budget) plus the settings' margin, rounded up, written into the stack's file
    (modules/account/budget.py). One resolution per stack: the synth's."""
    from review.report import monthly_estimate

    every = {s.stack_name(env): env for s in SYSTEMS for env in s.environments}
    name = stack.node.id
    return stack.budget.settle(
        Path(outdir) / "stacks" / name / "cdk.tf.json",
        lambda document: monthly_estimate(name, document, known_stacks=set(every),
                                          known_environments=set(every.values())))


def check_accounts(selected: Sequence[Selected]) -> None:
    """Across systems: every environment's account has an account stack (``account-<name>``), and one
    account name means one account (the same id and role wherever it is named)."""
    account_system = next((s for s in SYSTEMS if s.name == ACCOUNT_SYSTEM), None)
    if account_system is None:
        return
    seen: dict[str, tuple[Selected, Any]] = {}
    for item in selected:
        account = item.settings.account
        if account.name not in account_system.environments:
            raise ConfigError(
                item.settings.name, "account.name", account.name,
                f"no account stack serves it; known: {', '.join(account_system.environments)}",
                f"add environments/account/{account.name}.py and list {account.name!r} in "
                f"{account_system.registry_file}, or use one of those", system=item.system.name)
        identity = (account.account_id, account.role_arn)
        if account.name in seen and seen[account.name][1] != identity:
            other = seen[account.name][0]
            raise ConfigError(
                item.settings.name, "account", account.name,
                f"names account {account.name!r} with another id or role than "
                f"{other.system.name}:{other.settings.name} does",
                "give one account the same account_id and role_arn everywhere (define it once, e.g. in "
                "environments/account/accounts.py, and import it)", system=item.system.name)
        seen.setdefault(account.name, (item, identity))


def summary(stacks: Sequence, outdir: Path) -> str:
    """Per system, per stack: resources, state, lock and the notes a reviewer must read."""
    lines = [f"Synthesized {len(stacks)} stack(s) into {outdir}/stacks:"]
    width = max(len(stack.node.id) for stack in stacks)
    current = None
    for stack in stacks:
        system = stack.system
        if system is not current:
            lines.append(f"{system.name} — {system.title}")
            current = system
        project = stack.project
        path = outdir / "stacks" / stack.node.id / "cdk.tf.json"
        document = json.loads(path.read_text())
        resources = sum(len(v) for v in document.get("resource", {}).values())
        native = getattr(stack.settings, "native_state_lock", False)
        lock = project.lock_table + (" + S3 lock file" if native else "")
        lines.append(
            f"  {stack.node.id:<{max(width, 8)}} {resources:>4} resources   "
            f"state s3://{project.state_bucket}/{stack.state_key}   lock {lock}"
        )
        lines.extend(f"           note: {note}" for note in stack.notes)
    try:
        shown = outdir.absolute().relative_to(Path.cwd())
    except ValueError:
        shown = outdir.absolute()
    lines.append(f"Review a plan: cd {shown}/stacks/<stack> && terraform init && terraform plan")
    return "\n".join(lines)


if __name__ == "__main__":
    failures.entry(main)
