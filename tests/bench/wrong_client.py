"""A deliberately wrong, very fast benchmark client: the harness must flag its figures FAILED.

export: claims one record fewer than seeded, with a made-up digest, without any request.
write: creates one lead fewer than asked (through plain httpx), but reports as many IDs as asked.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "clients"))

from _child import run_child  # noqa: E402


def job(spec: dict) -> dict:
    n = int(spec["n"])
    if spec["task"] == "export":
        return {"wall_s": 0.001, "count": n - 1, "unique": n - 1, "ids_sha256": "0" * 64}
    import httpx

    base = spec["webhook_url"].rstrip("/") + "/"
    with httpx.Client(verify=spec.get("cafile") or True) as http:
        for rec in spec["records"][:-1]:
            http.post(base + "crm.lead.add.json", json={"fields": rec}).raise_for_status()
    return {"wall_s": 0.001, "created_ids": list(range(1, n + 1))}


if __name__ == "__main__":
    run_child(job)
