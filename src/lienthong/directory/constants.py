"""Fixed vocabularies of the agency directory."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Block(models.TextChoices):
    """The three blocks of the political system whose agencies exchange documents."""

    PARTY = "party", _("Đảng")
    STATE = "state", _("Nhà nước")
    FRONT = "front", _("Mặt trận và đoàn thể")


class AgencyLevel(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Tỉnh")
    COMMUNE = "commune", _("Xã")


class AgencyKind(models.TextChoices):
    GOVERNMENT_OFFICE = "government_office", _("Văn phòng Chính phủ")
    MINISTRY = "ministry", _("Bộ, cơ quan ngang bộ")
    GOVERNMENT_AGENCY = "government_agency", _("Cơ quan thuộc Chính phủ")
    PEOPLE_COMMITTEE = "people_committee", _("Ủy ban nhân dân")
    SERVICE_CENTRE = "service_centre", _("Trung tâm Phục vụ hành chính công")
    DEPARTMENT = "department", _("Sở, ngành")
    POLICE = "police", _("Công an")
    SOCIAL_INSURANCE = "social_insurance", _("Bảo hiểm xã hội")
    PARTY_COMMITTEE = "party_committee", _("Cấp ủy Đảng")
    FRONT_COMMITTEE = "front_committee", _("Ủy ban Mặt trận Tổ quốc Việt Nam")


#: The provincial departments after the 2025 reform, by the key procedures name them
#: with: (the number in their code ``000.00.<number>.<province>``, their name before
#: the province's).
DEPARTMENT_BODIES: Final[dict[str, tuple[str, str]]] = {
    "noi_vu": ("02", "Sở Nội vụ"),
    "tu_phap": ("03", "Sở Tư pháp"),
    "tai_chinh": ("04", "Sở Tài chính"),
    "xay_dung": ("05", "Sở Xây dựng"),
    "nong_nghiep_moi_truong": ("06", "Sở Nông nghiệp và Môi trường"),
    "y_te": ("07", "Sở Y tế"),
    "giao_duc": ("08", "Sở Giáo dục và Đào tạo"),
    "cong_thuong": ("09", "Sở Công Thương"),
    "khoa_hoc_cong_nghe": ("10", "Sở Khoa học và Công nghệ"),
    "van_hoa": ("11", "Sở Văn hóa, Thể thao và Du lịch"),
}
