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
