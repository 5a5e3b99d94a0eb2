"""Who opens which page of the registries app (docs/access.md, "Registries").

Each row names the permission that opens it and the agency it is checked on: the
registry's owner, or the agency the official works for. ``perm`` None: the person
themself, whatever their roles (their own data and their own tracker; nobody opens
another person's). ``tests/registries/test_access_matrix.py`` walks every row × every
role × the owner agency / another agency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from lienthong.accounts.constants import Perm, Role
from lienthong.accounts.permissions import Scope, scope_of

__all__ = ["PAGES", "Page", "pages_markdown"]


@dataclass(frozen=True, slots=True)
class Page:
    key: str
    what: str
    path: str
    perms: tuple[str, ...]
    where: Literal["owner", "own", "self"]

    def scope(self, role: str) -> Scope:
        found = [scope_of(role, p) for p in self.perms]
        return Scope.NONE if not found else max(found, key=_ORDER.index)


_ORDER: Final = (Scope.NONE, Scope.OWN, Scope.OWN_AND_UNDER, Scope.PROVINCE, Scope.COUNTRY)
_OWNER: Final = (Perm.REGISTRY_PUBLISH, Perm.REGISTRY_GRANT)

PAGES: Final[tuple[Page, ...]] = (
    Page("my-data", "Dữ liệu của tôi `/du-lieu-cua-toi/`", "/du-lieu-cua-toi/", (), "self"),
    Page(
        "tracker",
        "Ai đã xem dữ liệu của tôi `/du-lieu-cua-toi/nhat-ky/`, `GET /api/v1/me/data-accesses`",
        "/du-lieu-cua-toi/nhat-ky/",
        (),
        "self",
    ),
    Page(
        "lookup",
        "Khai thác dữ liệu `/can-bo/khai-thac-du-lieu/` (và API dịch vụ dữ liệu, khi có quyền "
        "khai thác được cấp)",
        "/can-bo/khai-thac-du-lieu/",
        (Perm.REGISTRY_READ, Perm.REGISTRY_PUBLISH),
        "own",
    ),
    Page(
        "desk",
        "Bàn làm việc của cơ quan chủ quản: cảnh báo, bản ghi, quyền khai thác "
        "`/can-bo/co-so-du-lieu/{mã}/`",
        "/can-bo/co-so-du-lieu/population/",
        _OWNER,
        "owner",
    ),
    Page(
        "quality",
        "Chất lượng dữ liệu `/can-bo/co-so-du-lieu/{mã}/chat-luong/`",
        "/can-bo/co-so-du-lieu/population/chat-luong/",
        _OWNER,
        "owner",
    ),
    Page(
        "addresses",
        "Địa chỉ cần chọn đơn vị mới `/can-bo/co-so-du-lieu/{mã}/dia-chi/`",
        "/can-bo/co-so-du-lieu/population/dia-chi/",
        _OWNER,
        "owner",
    ),
)

_WHERE: Final = {"owner": "cơ quan chủ quản", "own": "cơ quan của cán bộ", "self": "—"}


def pages_markdown() -> str:
    roles = list(Role)
    cells = [
        "trang (registries)",
        "quyền",
        "kiểm tra tại",
        *[f"{r.label} `{r.value}`" for r in roles],
    ]
    lines = ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]
    for page in PAGES:
        if not page.perms:
            row = [page.what, "chính người đó (dữ liệu của mình)", "—", *["—"] * len(roles)]
        else:
            perms = " hoặc ".join(f"`{Perm(p).value}`" for p in page.perms)
            row = [page.what, perms, _WHERE[page.where], *[page.scope(r).label for r in roles]]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
