"""Imports run one way (STYLE.md 14): checked on the source with ``ast``, so a new import in
any module of mealbuddy/ that breaks the direction fails here, whether it sits at the top of a
file or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "mealbuddy"
DOMAINS = {
    p.name
    for p in ROOT.iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("core", "jobs")
}


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports (absolute names; relative ones resolved)."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def offenders(package: str, forbidden, root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for name in sorted(imported_modules(path, root)):
            if forbidden(name):
                found.append(f"{path.relative_to(root.parent)} imports {name}")
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_core_imports_no_domain():
    assert "chat" in DOMAINS and "accounts" in DOMAINS
    assert offenders("core", lambda n: any(_within(n, f"mealbuddy.{d}") for d in DOMAINS)) == []


def test_the_job_runner_imports_no_domain():
    # Like core: it finds each app's jobs in its tasks module, the way the admin finds admin.py.
    assert offenders("jobs", lambda n: any(_within(n, f"mealbuddy.{d}") for d in DOMAINS)) == []


def test_chat_does_not_import_group_orders():
    # Group orders call chat's services; chat knows rooms and members only.
    assert offenders("chat", lambda n: _within(n, "mealbuddy.groupbuys")) == []


def test_notifications_do_not_reach_into_chat_consumers():
    assert offenders("notifications", lambda n: _within(n, "mealbuddy.chat.consumers")) == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from mealbuddy.chat.consumers import x", "mealbuddy.chat.consumers"),
        ("def f():\n    from mealbuddy.groupbuys import models", "mealbuddy.groupbuys.models"),
        ("import mealbuddy.accounts.sockets", "mealbuddy.accounts.sockets"),
    ],
)
def test_the_checker_sees_every_kind_of_import(tmp_path, source, expected):
    # The checks above must be able to fail: an import anywhere in a file is found.
    root = tmp_path / "mealbuddy"
    (root / "core").mkdir(parents=True)
    path = root / "core" / "probe.py"
    path.write_text(source, encoding="utf-8")
    assert expected in imported_modules(path, root)
    assert offenders("core", lambda n: _within(n, expected), root) != []


def test_trust_standing_layer_knows_no_order_or_chat():
    # Group orders, chat and sockets ask trust's selectors/services who may write and who is
    # hidden; those modules must stay below them (reviews, reports, moderation sit above).
    low = ("selectors.py", "services.py", "errors.py", "models.py")
    found = [
        o
        for o in offenders(
            "trust",
            lambda n: any(_within(n, f"mealbuddy.{d}") for d in ("groupbuys", "chat", "compat")),
        )
        if o.split(" imports ")[0].rsplit("/", 1)[-1] in low
    ]
    assert found == []


def test_nothing_imports_the_community_board():
    # 동네생활 (issue 13) sits on top of group orders, chat (the 나눔 1:1 room), trust,
    # notifications, accounts and regions; only config/urls mounts it and the seed_demo command finds its demo module.
    found = [
        o
        for d in sorted(DOMAINS - {"community"})
        for o in offenders(d, lambda n: _within(n, "mealbuddy.community"))
    ]
    assert found == []


def test_the_community_board_imports_only_downwards():
    allowed = ("groupbuys", "trust", "notifications", "accounts", "regions", "community", "chat")
    assert (
        offenders(
            "community",
            lambda n: any(_within(n, f"mealbuddy.{d}") for d in DOMAINS if d not in allowed),
        )
        == []
    )
