"""Roles of officials and what each may do (the permission matrix of docs/access.md)."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    RECORDS_CLERK = "records_clerk", _("Văn thư")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    STEERING_VIEWER = "steering_viewer", _("Theo dõi, điều hành")
    REGISTRY_OWNER = "registry_owner", _("Chủ quản cơ sở dữ liệu")
    SUPERVISOR = "supervisor", _("Giám sát (Mặt trận Tổ quốc)")
    PLATFORM_ADMIN = "platform_admin", _("Quản trị nền tảng")


class Perm(models.TextChoices):
    """Actions checked by services. The prefix names the kind of object acted on."""

    AGENCY_VIEW_OFFICIALS = "agency.view_officials", _("Xem danh sách cán bộ của cơ quan")
    AGENCY_MANAGE_OFFICIALS = "agency.manage_officials", _("Thêm cán bộ, phân vai trò")
    DOSSIER_VIEW = "dossier.view", _("Xem hồ sơ thủ tục hành chính")
    DOSSIER_RECEIVE = "dossier.receive", _("Tiếp nhận hồ sơ, từ chối tiếp nhận")
    DOSSIER_ASSIGN = "dossier.assign", _("Phân công xử lý hồ sơ")
    DOSSIER_PROCESS = "dossier.process", _("Thẩm định, yêu cầu bổ sung, chuyển xử lý")
    DOSSIER_APPROVE = "dossier.approve", _("Phê duyệt, ký kết quả, từ chối giải quyết")
    DOSSIER_RETURN = "dossier.return", _("Trả kết quả")
    DOCUMENT_VIEW = "document.view", _("Xem văn bản đến, văn bản đi")
    DOCUMENT_SEND = "document.send", _("Gửi văn bản điện tử")
    DOCUMENT_RECEIVE = "document.receive", _("Tiếp nhận văn bản đến")
    REGISTRY_PUBLISH = "registry.publish", _("Công bố dịch vụ dữ liệu")
    REGISTRY_GRANT = "registry.grant", _("Cấp quyền khai thác dữ liệu")
    REGISTRY_READ = "registry.read", _("Khai thác dữ liệu qua cổng chia sẻ (theo quyền được cấp)")
    STEERING_VIEW = "steering.view", _("Xem bảng điều hành, chỉ số phục vụ")
    CATALOG_PUBLISH = "catalog.publish", _("Công bố thủ tục hành chính")
    FEEDBACK_VIEW = "feedback.view", _("Xem phản ánh, kiến nghị gửi cơ quan")
    FEEDBACK_RECEIVE = "feedback.receive", _("Tiếp nhận, từ chối, chuyển, gộp phản ánh")
    FEEDBACK_HANDLE = "feedback.handle", _("Xử lý, trả lời phản ánh")
    FEEDBACK_PUBLISH = "feedback.publish", _("Phân công, duyệt và công bố trả lời phản ánh")
    FEEDBACK_SUPERVISE = "feedback.supervise", _("Giám sát phản ánh trên địa bàn, mở vụ giám sát")
    TASK_REPORT = "task.report", _("Báo cáo tiến độ nhiệm vụ Kế hoạch 02 của cơ quan chủ trì")
    TASK_MANAGE = "task.manage", _("Nhập, mở lại nhiệm vụ Kế hoạch 02")


#: What each role may do. Agency-bound permissions apply only to the agency the role is
#: held at (and to what is transferred to it); ``steering.view`` applies to the province of
#: that agency (the whole country for a central agency); a platform administrator acts
#: everywhere. Nothing here opens a classified document: that takes the addressee's key.
ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    Role.CLERK: frozenset(
        {
            Perm.DOSSIER_VIEW,
            Perm.DOSSIER_RECEIVE,
            Perm.DOSSIER_RETURN,
            Perm.REGISTRY_READ,
            Perm.FEEDBACK_VIEW,
            Perm.FEEDBACK_RECEIVE,
        }
    ),
    Role.SPECIALIST: frozenset(
        {
            Perm.DOSSIER_VIEW,
            Perm.DOSSIER_PROCESS,
            Perm.REGISTRY_READ,
            Perm.FEEDBACK_VIEW,
            Perm.FEEDBACK_HANDLE,
        }
    ),
    Role.LEADER: frozenset(
        {
            Perm.DOSSIER_VIEW,
            Perm.DOSSIER_ASSIGN,
            Perm.DOSSIER_APPROVE,
            Perm.REGISTRY_READ,
            Perm.DOCUMENT_VIEW,
            Perm.STEERING_VIEW,
            Perm.AGENCY_VIEW_OFFICIALS,
            Perm.FEEDBACK_VIEW,
            Perm.FEEDBACK_RECEIVE,
            Perm.FEEDBACK_HANDLE,
            Perm.FEEDBACK_PUBLISH,
            Perm.TASK_REPORT,
        }
    ),
    Role.RECORDS_CLERK: frozenset({Perm.DOCUMENT_VIEW, Perm.DOCUMENT_SEND, Perm.DOCUMENT_RECEIVE}),
    Role.AGENCY_ADMIN: frozenset({Perm.AGENCY_VIEW_OFFICIALS, Perm.AGENCY_MANAGE_OFFICIALS}),
    Role.STEERING_VIEWER: frozenset({Perm.STEERING_VIEW}),
    Role.REGISTRY_OWNER: frozenset({Perm.REGISTRY_PUBLISH, Perm.REGISTRY_GRANT}),
    Role.SUPERVISOR: frozenset({Perm.FEEDBACK_SUPERVISE}),
    Role.PLATFORM_ADMIN: frozenset(Perm.values),
}

#: Permissions whose object is a province (or the whole country), not one agency.
PROVINCE_SCOPED: Final[frozenset[str]] = frozenset({Perm.STEERING_VIEW})
#: Permissions that only a platform administrator holds, whatever the agency.
PLATFORM_WIDE: Final[frozenset[str]] = frozenset({Perm.CATALOG_PUBLISH, Perm.TASK_MANAGE})
