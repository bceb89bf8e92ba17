"""Feed-test helpers."""

from __future__ import annotations

from pathlib import Path

from tests.support.paths import mapping_file


def partners_registry(tmp_path: Path, entries: dict[str, str]) -> Path:
    """A partners.toml whose entries are the named test mappings (one table per source)."""
    parts = []
    for source, mapping in entries.items():
        body = (mapping_file(mapping)).read_text(encoding="utf-8")
        body = body.replace("[fields]", f"[{source}.fields]").replace("[extra]", f"[{source}.extra]")
        parts.append(f"[{source}]\n{body}")
    path = tmp_path / "partners.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
