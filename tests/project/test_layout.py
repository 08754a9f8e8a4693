"""The import rules of docs/architecture.md ("who may import whom"), read from the source.

Every module of mailer/, bouncy/ and project/ is parsed with ``ast`` (nothing is imported, so
the rules hold for code that no test happens to load), including imports inside functions and
under ``TYPE_CHECKING``. ``from a import b`` counts as importing the module ``a.b`` when there
is one, else ``a``. Each rule is a function from the imports to its violations; the last test
feeds each rule an import it forbids, so none of them can pass by matching nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.support.files import BASE_DIR

PACKAGES = ("mailer", "bouncy", "project")
AWS_SDK = ("boto3", "botocore", "django_ses")

# The bottom layer: imported by anyone, importing nothing of Mailroom but each other.
BOTTOM = ("mailer.exceptions", "mailer.conf", "mailer.lanes", "mailer.clients", "mailer.models")
# The core: the bottom layer, the queue, the send path and what it needs, and its tasks.
CORE = (
    *BOTTOM, "mailer.queue", "mailer.sending", "mailer.pacing", "mailer.suppression",
    "mailer.aws", "mailer.tasks", "mailer.checks", "mailer.apps", "mailer.urls",
    "mailer.templatetags",
)  # fmt: skip
SENDING_PATH = (
    "mailer.queue", "mailer.sending", "mailer.pacing", "mailer.suppression", "mailer.aws",
    "mailer.tasks",
)  # fmt: skip
TASK_MODULES = ("mailer.tasks", "mailer.campaigns.tasks", "mailer.reputation.tasks")
# bouncy's pure modules: the SNS envelope (and its string to sign), SES's event and receiving
# formats, and the enums they name.
BOUNCY_FORMATS = ("bouncy.envelope", "bouncy.events", "bouncy.inbound")
# What mailer may use of bouncy: its rows, its signals, its feedback batches (the task that
# applies them, the status's waiting count) and its formats; admin modules extend its admin.
BOUNCY_FOR_MAILER = ("bouncy.models", "bouncy.signals", "bouncy.processing", *BOUNCY_FORMATS)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (or a name outside Mailroom)
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def within(name: str, *prefixes: str) -> bool:
    """``name`` is one of ``prefixes`` or inside one of them (a dotted-name prefix)."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def ours(name: str) -> bool:
    return within(name, *PACKAGES)


def source_files() -> dict[str, Path]:
    """Module name → file, migrations left out."""
    found = {}
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(module: str, path: Path, known: Iterable[str]) -> list[Import]:
    """Every import statement in one file, resolved to module names."""
    modules = set(known)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.append(Import(module, target if target in modules else base, node.lineno))
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    parts = parts[: len(parts) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


@cache
def all_imports() -> tuple[Import, ...]:
    files = source_files()
    return tuple(i for name, path in files.items() for i in imports_of(name, path, files))


# --- the rules: each returns the imports that break it ----------------------------------------


def bouncy_imports_nothing_of_mailer(imports: Iterable[Import]) -> list[Import]:
    """bouncy is a reusable app: nothing of mailer, nothing of the project."""
    return [i for i in imports if within(i.module, "bouncy")
            and within(i.target, "mailer", "project")]  # fmt: skip


def mailer_uses_bouncy_models_signals_and_batches(imports: Iterable[Import]) -> list[Import]:
    """mailer hears bouncy through its signals, reads its models and formats, runs its feedback
    batches; only admin modules extend bouncy's admin."""
    def allowed(i: Import) -> bool:
        admin = "admin" in i.module.split(".") and within(i.target, "bouncy.admin")
        return admin or within(i.target, *BOUNCY_FOR_MAILER)

    return [i for i in imports if within(i.module, "mailer") and within(i.target, "bouncy")
            and not allowed(i)]  # fmt: skip


def only_aws_imports_the_aws_sdk(imports: Iterable[Import]) -> list[Import]:
    """boto3, botocore and django_ses for SES only in mailer.aws; bouncy's SQS poller has its own
    boto3 client, and the settings build django-ses's botocore Config."""
    def allowed(i: Import) -> bool:
        return (
            within(i.module, "mailer.aws")
            or (i.module == "bouncy.sqs" and within(i.target, "boto3", "botocore"))
            or (within(i.module, "project.settings") and within(i.target, "botocore.config"))
        )

    return [i for i in imports if within(i.target, *AWS_SDK) and not allowed(i)]


def aws_imports_only_the_bottom_layer(imports: Iterable[Import]) -> list[Import]:
    """mailer.aws: itself, the bottom layer, the address normalisation, SES's feedback types."""
    allowed = ("mailer.aws", *BOTTOM, "mailer.suppression.addresses", "bouncy.events")
    return [i for i in imports if within(i.module, "mailer.aws") and ours(i.target)
            and not within(i.target, *allowed)]  # fmt: skip


def the_bottom_layer_imports_only_itself(imports: Iterable[Import]) -> list[Import]:
    return [i for i in imports if within(i.module, *BOTTOM) and ours(i.target)
            and not within(i.target, *BOTTOM)]  # fmt: skip


def pacing_sits_on_the_bottom_layer_and_aws(imports: Iterable[Import]) -> list[Import]:
    allowed = ("mailer.pacing", *BOTTOM, "mailer.aws")
    return [i for i in imports if within(i.module, "mailer.pacing") and ours(i.target)
            and not within(i.target, *allowed)]  # fmt: skip


def queue_sits_on_the_bottom_layer(imports: Iterable[Import]) -> list[Import]:
    """The queue: the bottom layer, SES's fixed limits, address normalisation, bouncy's rows."""
    allowed = ("mailer.queue", *BOTTOM, "mailer.aws.limits", "mailer.suppression.addresses",
               "bouncy.models")  # fmt: skip
    return [i for i in imports if within(i.module, "mailer.queue") and ours(i.target)
            and not within(i.target, *allowed)]  # fmt: skip


def sending_sits_on_the_queue_pacing_suppression_and_aws(imports: Iterable[Import]) -> list[Import]:
    """The send path, and what it reads besides: bouncy's waiting feedback, the guard's state."""
    allowed = ("mailer.sending", *BOTTOM, "mailer.queue", "mailer.pacing", "mailer.suppression",
               "mailer.aws", *BOUNCY_FOR_MAILER, "mailer.reputation.guard")  # fmt: skip
    return [i for i in imports if within(i.module, "mailer.sending") and ours(i.target)
            and not within(i.target, *allowed)]  # fmt: skip


def no_module_imports_a_tasks_module(imports: Iterable[Import]) -> list[Import]:
    """Tasks are sent by name (send_task); only Celery's autodiscovery loads them."""
    return [i for i in imports if within(i.target, *TASK_MODULES) and i.module != i.target]


def the_core_never_imports_the_apps_above_it(imports: Iterable[Import]) -> list[Import]:
    """Not campaigns, replies or reputation; of reputation the send path reads the guard's state
    alone (bulk mail is held while the guard says so)."""
    return [i for i in imports if within(i.module, *CORE)
            and within(i.target, "mailer.campaigns", "mailer.replies", "mailer.reputation")
            and not within(i.target, "mailer.reputation.guard")]  # fmt: skip


def campaigns_never_imports_reputation_or_replies(imports: Iterable[Import]) -> list[Import]:
    """reputation reads campaigns (to pause one) and replies reads them (to link a reply)."""
    return [i for i in imports if within(i.module, "mailer.campaigns")
            and within(i.target, "mailer.reputation", "mailer.replies")]  # fmt: skip


def reputation_reaches_campaigns_through_one_module(imports: Iterable[Import]) -> list[Import]:
    """The guard reads and pauses campaigns through ``reputation.campaigns`` alone."""
    return [i for i in imports if within(i.module, "mailer.reputation")
            and within(i.target, "mailer.campaigns")
            and i.module != "mailer.reputation.campaigns"]  # fmt: skip


def the_sandbox_is_a_server_of_its_own(imports: Iterable[Import]) -> list[Import]:
    """The sandbox speaks SES's and SNS's wire protocols; of Mailroom it uses only bouncy's
    formats (the messages it writes are the ones bouncy reads, signed the way bouncy checks)."""
    return [i for i in imports if within(i.module, "mailer.sandbox") and ours(i.target)
            and not within(i.target, "mailer.sandbox", *BOUNCY_FORMATS)]  # fmt: skip


def the_demo_uses_nothing_of_the_sending_path(imports: Iterable[Import]) -> list[Import]:
    """The demo drives the real workers and webhook; it calls nothing of the send path itself."""
    return [i for i in imports if within(i.module, "mailer.demo")
            and within(i.target, *SENDING_PATH)]  # fmt: skip


RULES: dict[Callable[[Iterable[Import]], list[Import]], Import] = {
    # each rule, and one import it must report
    bouncy_imports_nothing_of_mailer: Import("bouncy.views", "mailer.models", 1),
    mailer_uses_bouncy_models_signals_and_batches: Import("mailer.sending.batch", "bouncy.sns", 1),
    only_aws_imports_the_aws_sdk: Import("mailer.sending.batch", "botocore.exceptions", 1),
    aws_imports_only_the_bottom_layer: Import("mailer.aws.sending", "mailer.queue", 1),
    the_bottom_layer_imports_only_itself: Import("mailer.models", "mailer.queue", 1),
    pacing_sits_on_the_bottom_layer_and_aws: Import("mailer.pacing.quota", "mailer.sending", 1),
    queue_sits_on_the_bottom_layer: Import("mailer.queue.mime", "mailer.aws.sending", 1),
    sending_sits_on_the_queue_pacing_suppression_and_aws: Import("mailer.sending.batch",
                                                                 "mailer.admin", 1),
    no_module_imports_a_tasks_module: Import("mailer.admin", "mailer.tasks", 1),
    the_core_never_imports_the_apps_above_it: Import("mailer.queue", "mailer.campaigns.models", 1),
    campaigns_never_imports_reputation_or_replies: Import("mailer.campaigns.admin",
                                                          "mailer.reputation.guard", 1),
    reputation_reaches_campaigns_through_one_module: Import("mailer.reputation.actions",
                                                            "mailer.campaigns.control", 1),
    the_sandbox_is_a_server_of_its_own: Import("mailer.sandbox.server", "mailer.aws.clients", 1),
    the_demo_uses_nothing_of_the_sending_path: Import("mailer.demo.stack", "mailer.queue", 1),
}  # fmt: skip


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_source_keeps_the_rule(rule: Callable[[Iterable[Import]], list[Import]]) -> None:
    broken = rule(all_imports())
    assert not broken, f"{rule.__name__}: " + "; ".join(map(str, broken))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_rule_reports_an_import_it_forbids(
    rule: Callable[[Iterable[Import]], list[Import]],
) -> None:
    wrong = RULES[rule]
    assert rule([*all_imports(), wrong]) == [wrong]


def test_the_reader_resolves_relative_and_from_imports(tmp_path: Path) -> None:
    """The rules see what the files say: relative imports, submodules named in ``from``."""
    path = tmp_path / "server.py"
    path.write_text("from . import wire\nfrom .state import State\nfrom mailer import aws\n")
    known = {"mailer.sandbox.wire", "mailer.sandbox.state", "mailer.aws"}
    found = [i.target for i in imports_of("mailer.sandbox.server", path, known)]
    assert found == ["mailer.sandbox.wire", "mailer.sandbox.state", "mailer.aws"]
    assert len(all_imports()) > 1000  # every package was read
