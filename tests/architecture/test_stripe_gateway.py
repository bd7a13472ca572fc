"""Only `payments/gateway/` imports the Stripe SDK: every Stripe call goes through one place
that adds idempotency keys and translates errors (docs/adr/0010). Tests may import it (to
capture the SDK's requests)."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.test_layers import ORDER, ROOT, imported_top_levels

GATEWAY = ROOT / "payments" / "gateway"


def stripe_importers() -> list[str]:
    found = []
    for top in [*ORDER, "config", "demo", "scripts"]:
        for path in sorted((ROOT / top).rglob("*.py")):
            if GATEWAY in path.parents:
                continue
            if "stripe" in imported_top_levels(path):
                found.append(str(path.relative_to(ROOT)))
    return found


def test_only_the_gateway_imports_the_stripe_sdk() -> None:
    assert stripe_importers() == []


def test_the_check_sees_an_import_of_stripe(tmp_path: Path) -> None:
    module = tmp_path / "sneaky.py"
    module.write_text("from stripe import StripeClient\n", encoding="utf-8")
    assert "stripe" in imported_top_levels(module)
    assert "stripe" in imported_top_levels(GATEWAY / "core.py")
