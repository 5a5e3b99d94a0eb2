"""factory_boy factories with a fixed seed."""

from __future__ import annotations

import factory
import factory.random
from factory.django import DjangoModelFactory

from lienthong.accounts.models import User, UserKind

factory.random.reseed_random(20250701)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    kind = UserKind.CITIZEN
    password = factory.django.Password("MatKhau@2026")

    class Params:
        official = factory.Trait(kind=UserKind.OFFICIAL, is_staff=False)
        admin = factory.Trait(kind=UserKind.OFFICIAL, is_staff=True, is_superuser=True)


class AgencyFactory(DjangoModelFactory):
    """An agency without an administrative unit (enough for permission checks).

    Codes are level-2 agencies of a made-up province ``H99`` unless given.
    """

    class Meta:
        model = "directory.Agency"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.{n // 99 % 100:02d}.{n % 99 + 1:02d}.H99")
    name = factory.Sequence(lambda n: f"Cơ quan thử nghiệm {n}")
    block = "state"
    level = "province"
    kind = "department"
    search_key = factory.LazyAttribute(lambda o: o.name.lower())

    class Params:
        central = factory.Trait(level="central", kind="ministry")
