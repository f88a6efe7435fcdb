"""Deterministic demo data: users, leads, deals across stages, contacts, companies, tasks.

Same `seed` → same rows. Rows are built in memory and bulk-inserted (100,000 leads take a few seconds).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ._config import ALL_SCOPES
from ._registry import Ctx

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["seed"]

FIRST = ["Anna", "Boris", "Carla", "Dmitri", "Elena", "Felix", "Galina", "Hugo", "Irina", "Jonas", "Katya",
         "Lev", "Maria", "Nikolai", "Olga", "Pavel", "Rosa", "Sergei", "Tanya", "Viktor"]  # fmt: skip
LAST = ["Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Lebedeva", "Kozlov", "Novikova",
        "Morozov", "Volkova", "Fedorov", "Meyer", "Schmidt", "Garcia", "Rossi", "Dubois", "Novak"]  # fmt: skip
COMPANY = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell",
           "Cyberdyne", "Aperture", "Wonka", "Gringotts", "Oscorp"]  # fmt: skip
SUFFIX = ["LLC", "Ltd", "GmbH", "Inc", "Group", "Trading", "Logistics", "Systems"]
LEAD_STATUSES = ["NEW", "NEW", "IN_PROCESS", "IN_PROCESS", "PROCESSED", "JUNK", "CONVERTED"]
DEAL_STAGES = ["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"]
SOURCES = ["CALL", "EMAIL", "WEB", "ADVERTISING", "PARTNER", "RECOMMENDATION", "TRADE_SHOW", "OTHER"]
CURRENCIES = ["USD", "EUR", "RUB"]
TASK_TITLES = ["Call back", "Send proposal", "Prepare contract", "Follow up", "Check payment", "Schedule demo",
               "Update CRM", "Review documents"]  # fmt: skip


class _Seeder:
    def __init__(self, portal: Portal, rng: random.Random) -> None:
        self.portal = portal
        self.rng = rng
        self.ctx = Ctx(portal, "seed", portal.config.user_id, "webhook", "seed", ALL_SCOPES)
        self.mf_id = int(portal.store.kv_get("seq:multifield", 0))
        self.base = datetime(2026, 1, 5, 9, 0, 0, tzinfo=portal.clock.tz)

    def when(self, i: int) -> str:
        return (self.base + timedelta(minutes=7 * i + int(self.rng.random() * 5))).isoformat(
            timespec="seconds"
        )

    def pick(self, seq: list[Any]) -> Any:
        return seq[int(self.rng.random() * len(seq))]

    def mf(self, type_id: str, value: str, vtype: str = "WORK") -> list[dict[str, Any]]:
        self.mf_id += 1
        return [{"ID": self.mf_id, "VALUE_TYPE": vtype, "VALUE": value, "TYPE_ID": type_id}]

    def person(self) -> tuple[str, str]:
        return self.pick(FIRST), self.pick(LAST)

    def phone(self) -> str:
        return f"+1555{int(self.rng.random() * 10**7):07d}"

    def finish(self) -> None:
        self.portal.store.kv_set("seq:multifield", self.mf_id)


def seed(
    portal: Portal,
    *,
    leads: int = 0,
    deals: int = 0,
    contacts: int = 0,
    companies: int = 0,
    tasks: int = 0,
    users: int = 5,
    seed: int = 42,
) -> dict[str, int]:
    """Insert deterministic rows; returns how many of each were added."""
    from ._crm import _defaults, spec_for
    from .methods.core.users import default_user

    rng = random.Random(seed)
    s = _Seeder(portal, rng)
    store = portal.store
    existing_users = {i for i, _ in store.select("user")}
    user_ids = list(range(1, users + 1)) or [portal.config.user_id]
    for uid in user_ids:
        if uid not in existing_users:
            data = default_user(s.ctx, uid)
            if uid > 1:
                first, last = s.person()
                data.update({"NAME": first, "LAST_NAME": last, "EMAIL": f"{first.lower()}.{uid}@example.test",
                             "WORK_POSITION": rng.choice(["Sales manager", "Account manager", "Support"])})  # fmt: skip
            store.insert("user", data, id=uid)

    def rows(kind: str, n: int, fill: Any) -> int:
        if n <= 0:
            return 0
        base = {k: v for k, v in _defaults(s.ctx, spec_for(kind)).items() if v is not None}
        start_id = store.count(kind)

        def gen() -> Any:
            for i in range(n):
                row = dict(base)
                row["ASSIGNED_BY_ID"] = s.pick(user_ids)
                row["DATE_CREATE"] = row["DATE_MODIFY"] = s.when(start_id + i)
                fill(row, start_id + i)
                yield row

        return store.insert_many(kind, gen())

    def company(row: dict[str, Any], i: int) -> None:
        row["TITLE"] = f"{rng.choice(COMPANY)} {rng.choice(SUFFIX)} #{i + 1}"
        row["PHONE"] = s.mf("PHONE", s.phone())
        row["HAS_PHONE"] = "Y"
        row["REVENUE"] = float(rng.randrange(10, 10_000) * 1000)
        row["INDUSTRY"] = rng.choice(["IT", "MANUFACTURING", "BANKING", "CONSULTING", "OTHER"])

    def contact(row: dict[str, Any], i: int) -> None:
        first, last = s.person()
        row.update({"NAME": first, "LAST_NAME": last, "SOURCE_ID": rng.choice(SOURCES)})
        row["PHONE"] = s.mf("PHONE", s.phone(), rng.choice(["WORK", "MOBILE"]))
        row["EMAIL"] = s.mf("EMAIL", f"{first.lower()}.{last.lower()}{i + 1}@example.test")
        row["HAS_PHONE"] = row["HAS_EMAIL"] = "Y"

    def lead(row: dict[str, Any], i: int) -> None:
        first, last = s.person()
        status = s.pick(LEAD_STATUSES)
        row.update({
            "TITLE": f"Lead #{i + 1}: {first} {last}", "NAME": first, "LAST_NAME": last, "STATUS_ID": status,
            "STATUS_SEMANTIC_ID": {"CONVERTED": "S", "JUNK": "F"}.get(status, "P"),
            "SOURCE_ID": s.pick(SOURCES), "OPPORTUNITY": float(int(rng.random() * 500) * 100),
            "CURRENCY_ID": s.pick(CURRENCIES), "COMPANY_TITLE": f"{s.pick(COMPANY)} {s.pick(SUFFIX)}",
        })  # fmt: skip
        if i % 3 != 2:
            row["PHONE"] = s.mf("PHONE", s.phone(), "MOBILE" if i % 2 else "WORK")
            row["HAS_PHONE"] = "Y"
        if i % 2 == 0:
            row["EMAIL"] = s.mf("EMAIL", f"{first.lower()}.{last.lower()}.{i + 1}@example.test")
            row["HAS_EMAIL"] = "Y"

    n_companies = store.count("company") + companies
    n_contacts = store.count("contact") + contacts

    def deal(row: dict[str, Any], i: int) -> None:
        stage = rng.choice(DEAL_STAGES)
        row.update({
            "TITLE": f"Deal #{i + 1}", "STAGE_ID": stage, "CATEGORY_ID": 0,
            "STAGE_SEMANTIC_ID": {"WON": "S", "LOSE": "F"}.get(stage, "P"),
            "CLOSED": "Y" if stage in ("WON", "LOSE") else "N",
            "OPPORTUNITY": float(rng.randrange(1, 2000) * 50), "CURRENCY_ID": rng.choice(CURRENCIES),
            "SOURCE_ID": rng.choice(SOURCES), "PROBABILITY": rng.choice([10, 30, 50, 70, 90]),
        })  # fmt: skip
        if n_companies:
            row["COMPANY_ID"] = rng.randrange(1, n_companies + 1)
        if n_contacts:
            cid = rng.randrange(1, n_contacts + 1)
            row["CONTACT_ID"] = cid
            row["CONTACT_IDS"] = [cid]

    added = {
        "users": len([u for u in user_ids if u not in existing_users]),
        "companies": rows("company", companies, company),
        "contacts": rows("contact", contacts, contact),
        "leads": rows("lead", leads, lead),
        "deals": rows("deal", deals, deal),
        "tasks": 0,
    }
    if tasks > 0:
        from .methods.core.tasks import seed_tasks

        added["tasks"] = seed_tasks(portal, tasks, rng, user_ids, TASK_TITLES, s.when)
    if not store.count(
        "im_chat"
    ):  # the README's `im.message.add` to DIALOG_ID "chat1" works on a fresh portal
        store.insert(
            "im_chat",
            {"TITLE": "General", "TYPE": "CHAT", "OWNER_ID": user_ids[0], "USERS": user_ids,
             "DATE_CREATE": s.when(0)},
            id=1,
        )  # fmt: skip
    from ._crm_userfields import seed_user_fields

    seed_user_fields(portal)
    s.finish()
    return added
