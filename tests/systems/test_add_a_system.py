"""Adding a system, as a new team member would: a throwaway system "shop" (an SQS-fed function writing to
a DynamoDB table, and a scheduled function reading it) is added to a copy of the project by writing
only its own files: ``systems/shop/``, ``environments/shop/``, its accepted-findings file, its own test
file, and then its golden copy (``python -m tests.golden.update``). Nothing else is edited: the registry
finds it (``systems/<package>/__init__.py`` declares ``SYSTEM``), ``main.py`` lists and synthesizes it,
the security gate passes it with its own list, and the suite's registry-driven tests (manifest, golden
copies, teardown, layers) pass with it included.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    'systems/shop/__init__.py': '"""Shop (a throwaway system of the add-a-system test)."""\n\nfrom systems import System\n\nSYSTEM = System(\n    name="shop",\n    title="Shop: orders from a queue into a table, and a nightly report",\n    environments=("dev",),\n    stack="systems.shop.stack:ShopStack",\n    settings_type="systems.shop.settings:ShopSettings",\n    validator="systems.shop.settings:validate",\n)\n',
    'systems/shop/settings.py': 'from __future__ import annotations\n\nfrom dataclasses import dataclass\n\nfrom modules.database.options import TableOptions\nfrom modules.messaging.options import QueueOptions\nfrom modules.project import SystemSettings\nfrom modules.serverless.options import FunctionOptions, ScheduleOptions\nfrom modules.validation import SettingsCheck, validate_parts\n\n\n@dataclass(frozen=True, kw_only=True)\nclass ShopSettings(SystemSettings):\n    orders: QueueOptions\n    table: TableOptions\n    writer: FunctionOptions\n    report: FunctionOptions\n    report_schedule: ScheduleOptions\n\n\ndef validate(settings: ShopSettings) -> None:\n    validate_parts(settings, (SettingsCheck.project, SettingsCheck.retention, SettingsCheck.teardown))\n',
    'systems/shop/stack.py': 'from __future__ import annotations\n\nfrom modules.database.table import Table\nfrom modules.messaging.queue import Queue\nfrom modules.serverless.event_sources import QueueEventSource, ScheduleSource\nfrom modules.serverless.function import Function\nfrom modules.stack import ProjectStack\nfrom systems.shop.settings import ShopSettings, validate\n\n\nclass ShopStack(ProjectStack):\n    def __init__(self, scope, settings: ShopSettings, *, stack_name: str | None = None) -> None:\n        validate(settings)\n        super().__init__(scope, settings, stack_name=stack_name)\n        orders = Queue(self, "orders", options=settings.orders)\n        table = Table(self, "table", options=settings.table)\n        writer = Function(self, "writer", options=settings.writer, environment={"TABLE": table.table_name})\n        QueueEventSource(self, "writer-orders", function=writer, queue=orders)\n        table.grant_write(writer)\n        report = Function(self, "report", options=settings.report, environment={"TABLE": table.table_name})\n        table.grant_read(report)\n        ScheduleSource(self, "report-schedule", function=report, options=settings.report_schedule)\n        self.output("queue_url", orders.queue_url, "Put orders here")\n',
    'systems/shop/README.md': '# Shop\\n\\nA throwaway system: orders from a queue into a table, and a nightly report.\\n',
    'systems/shop/functions/writer/index.js': 'exports.handler = async () => ({ batchItemFailures: [] });\\n',
    'systems/shop/functions/report/index.js': 'exports.handler = async () => {};\\n',
    'environments/shop/__init__.py': '',
    'environments/shop/project.py': 'from modules.project import ProjectSettings\n\nPROJECT = ProjectSettings(name="shop", region="ap-northeast-2", availability_zones=("ap-northeast-2a", "ap-northeast-2c"),\n                          state_bucket="shop-terraform-state", lock_table="shop-terraform-locks")\n',
    'environments/shop/dev.py': 'from environments.shop.project import PROJECT\nfrom modules.database.options import TableKey, TableOptions\nfrom modules.messaging.options import DeadLetterOptions, QueueOptions\nfrom modules.serverless.options import FunctionOptions, ScheduleOptions\nfrom systems.shop.settings import ShopSettings\n\nSETTINGS = ShopSettings(\n    name="dev", project=PROJECT, log_retention_days=7, force_destroy=True,\n    orders=QueueOptions(name="orders", visibility_timeout_seconds=180, dead_letter=DeadLetterOptions()),\n    table=TableOptions(name="orders", partition_key=TableKey(name="order_id")),\n    writer=FunctionOptions(name="writer", source="systems/shop/functions/writer", runtime="nodejs22.x",\n                           handler="index.handler", memory_mb=256, timeout_seconds=30),\n    report=FunctionOptions(name="report", source="systems/shop/functions/report", runtime="nodejs22.x",\n                           handler="index.handler", memory_mb=256, timeout_seconds=60),\n    report_schedule=ScheduleOptions(name="nightly", expression="cron(0 1 * * ? *)", timezone="Asia/Seoul"),\n)\n',
    'security/accepted-findings-shop.toml': '[[accepted]]\ncheck = "CKV_AWS_115"\nresource = "report/function"\nenvironments = ["shop-dev"]\nreason = "A throwaway system: no reserved concurrency, the account limit is the bound"\n\n[[accepted]]\ncheck = "CKV_AWS_115"\nresource = "writer/function"\nenvironments = ["shop-dev"]\nreason = "A throwaway system: no reserved concurrency, the account limit is the bound"\n\n[[accepted]]\ncheck = "CKV_AWS_116"\nresource = "report/function"\nenvironments = ["shop-dev"]\nreason = "The writer is fed by SQS (its queue has a DLQ); the report is scheduled and retried by the scheduler"\n\n[[accepted]]\ncheck = "CKV_AWS_116"\nresource = "writer/function"\nenvironments = ["shop-dev"]\nreason = "The writer is fed by SQS (its queue has a DLQ); the report is scheduled and retried by the scheduler"\n\n[[accepted]]\ncheck = "CKV_AWS_117"\nresource = "report/function"\nenvironments = ["shop-dev"]\nreason = "The functions reach only DynamoDB and SQS over AWS APIs: no VPC to be in"\n\n[[accepted]]\ncheck = "CKV_AWS_117"\nresource = "writer/function"\nenvironments = ["shop-dev"]\nreason = "The functions reach only DynamoDB and SQS over AWS APIs: no VPC to be in"\n\n[[accepted]]\ncheck = "CKV_AWS_173"\nresource = "report/function"\nenvironments = ["shop-dev"]\nreason = "The environment holds only a table name; Lambda encrypts it at rest with its service key"\n\n[[accepted]]\ncheck = "CKV_AWS_173"\nresource = "writer/function"\nenvironments = ["shop-dev"]\nreason = "The environment holds only a table name; Lambda encrypts it at rest with its service key"\n\n[[accepted]]\ncheck = "CKV_AWS_272"\nresource = "report/function"\nenvironments = ["shop-dev"]\nreason = "No signing profile: the zip is built from the reviewed repository and pinned by source_code_hash"\n\n[[accepted]]\ncheck = "CKV_AWS_272"\nresource = "writer/function"\nenvironments = ["shop-dev"]\nreason = "No signing profile: the zip is built from the reviewed repository and pinned by source_code_hash"\n\n[[accepted]]\ncheck = "CKV_AWS_297"\nresource = "report-schedule/schedule"\nenvironments = ["shop-dev"]\nreason = "The schedule holds no data beyond its target; the AWS-owned key encrypts it"\n\n[[accepted]]\ncheck = "CKV_AWS_338"\nresource = "report/logs"\nenvironments = ["shop-dev"]\nreason = "dev keeps function logs a week by cost choice"\n\n[[accepted]]\ncheck = "CKV_AWS_338"\nresource = "writer/logs"\nenvironments = ["shop-dev"]\nreason = "dev keeps function logs a week by cost choice"\n\n',
    'tests/systems/test_shop.py': '"""The shop system\'s own tests (written by its newcomer)."""\n\nfrom tests.systems.conftest import *  # noqa: F401,F403  (stack_of)\n\n\ndef test_the_writer_is_fed_by_the_queue_and_writes_the_table(stack_of):\n    stack = stack_of("shop-dev")\n    assert stack.count("aws_dynamodb_table") == 1 and stack.count("aws_lambda_function") == 2\n    assert stack.count("aws_lambda_event_source_mapping") == 1 and stack.count("aws_scheduler_schedule") == 1\n',
}
REGISTRY_DRIVEN = ["tests/systems/test_manifest.py", "tests/systems/test_golden.py", "tests/systems/test_teardown.py",
                   "tests/test_layers.py", "tests/systems/test_shop.py"]


def tree(root: Path) -> dict[str, str]:
    """Every file of the copy (but outputs, caches and the linked environments) and its digest."""
    found = {}
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if path.is_file() and not path.is_symlink() and not any(
                p in ("__pycache__", ".pytest_cache", "out") or p.startswith(".venv") for p in parts):
            found["/".join(parts)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run(copy: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_")) and k != "CODEMATE_TESTS_SHARED"}
    return subprocess.run([sys.executable, *args], cwd=copy, capture_output=True, text=True, timeout=600,
                          env={**env, "CHECKPOINT_DISABLE": "1"})


def test_a_new_system_touches_only_its_own_folders_its_findings_and_its_golden_copy(tmp_path):
    # GIVEN a copy of the project (the files git tracks) with its installed environments
    copy = tmp_path / "project"
    tracked = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_bytes(source.read_bytes())
    for venv in (".venv", ".venv-checkov"):
        if (ROOT / venv).exists():
            (copy / venv).symlink_to(ROOT / venv)
    before = tree(copy)
    # WHEN a newcomer writes the system's own files, and its golden copy
    for name, text in FILES.items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text(text)
    listed = run(copy, "main.py", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {"system": "shop", "environment": "dev", "stack": "shop-dev", "state_bucket": "shop-terraform-state",
            "state_key": "dev/terraform.tfstate", "lock_table": "shop-terraform-locks"} in json.loads(listed.stdout)
    synth = run(copy, "main.py", "shop", "--outdir", "out")
    assert synth.returncode == 0, synth.stderr
    assert (copy / "out" / "stacks" / "shop-dev" / "cdk.tf.json").is_file()
    update = run(copy, "-m", "tests.golden.update")
    assert update.returncode == 0, update.stderr
    # THEN the security gate passes it with its own reviewed list
    gate = run(copy, "-m", "security.gate", "shop", "--outdir", "out")
    assert gate.returncode == 0, gate.stdout[-3000:] + gate.stderr[-2000:]
    assert "shop-dev" in gate.stdout and gate.stdout.rstrip().endswith("gate: passed")
    # AND the suite's registry-driven tests pass with the new system in it, none of them edited
    suite = run(copy, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *REGISTRY_DRIVEN)
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
    assert "shop-dev" in subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                                         "tests/systems/test_golden.py"], cwd=copy, capture_output=True,
                                        text=True).stdout
    # AND nothing outside its own files changed: no registry, test or shared file was edited
    after = tree(copy)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    own = ("systems/shop/", "environments/shop/", "security/accepted-findings-shop.toml",
           "tests/golden/stacks/shop-", "tests/systems/test_shop.py")
    assert changed and all(name.startswith(own) for name in changed), [n for n in changed if not n.startswith(own)]
    assert "tests/golden/stacks/shop-dev.tf.json" in changed
