"""Closed vocabularies with their Vietnamese and English labels.

Codes are stored in the database as strings guarded by CHECK constraints built from these tuples,
so SQLite and PostgreSQL refuse the same values.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    code: str
    vi: str
    en: str


def codes(terms: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(t.code for t in terms)


def label(terms: tuple[Term, ...], code: str, lang: str = "vi") -> str:
    for t in terms:
        if t.code == code:
            return t.en if lang == "en" else t.vi
    return code


#: The three-level overall vote (DOMAIN.md §2), in the order a ballot shows it.
LEVEL_TERMS = (
    Term("very_satisfied", "Rất hài lòng", "Very satisfied"),
    Term("satisfied", "Hài lòng", "Satisfied"),
    Term("not_satisfied", "Chưa hài lòng", "Not satisfied"),
)
LEVELS = codes(LEVEL_TERMS)
SATISFIED_LEVELS = frozenset({"very_satisfied", "satisfied"})

CHANNEL_TERMS = (
    Term("kiosk", "Máy tính bảng tại quầy", "Counter tablet"),
    Term("qr_counter", "Mã QR tại quầy", "Counter QR poster"),
    Term("qr_receipt", "Mã QR trên giấy hẹn", "Receipt QR code"),
    Term("web", "Trang thông tin điện tử", "Website"),
    Term("paper", "Phiếu giấy", "Paper ballot"),
)
CHANNELS = codes(CHANNEL_TERMS)

#: valid counts in official figures; flagged awaits review; void and test never count.
STATUS_TERMS = (
    Term("valid", "Hợp lệ", "Valid"),
    Term("flagged", "Cần xem xét", "Flagged"),
    Term("void", "Đã hủy", "Void"),
    Term("test", "Thử nghiệm", "Test"),
)
STATUSES = codes(STATUS_TERMS)

#: Why a vote was flagged. Flagged votes are stored, never deleted (DOMAIN.md §3).
FLAG_TERMS = (
    Term("clock_ahead", "Thời điểm đánh giá muộn hơn thời điểm nhận", "Answer time after receipt"),
    Term("clock_too_old", "Thời điểm đánh giá quá cũ", "Answer time implausibly old"),
    Term("burst", "Nhiều phiếu liên tiếp quá nhanh từ một thiết bị", "Burst from one device"),
    Term("rate_limit", "Vượt giới hạn số phiếu", "Over the rate limit"),
    Term("honeypot", "Trường ẩn bị điền", "Honeypot filled"),
    Term("replayed_token", "Mã đã dùng", "Replayed token"),
)
FLAG_REASONS = codes(FLAG_TERMS)

UNIT_KIND_TERMS = (
    Term("province", "Tỉnh, thành phố", "Province"),
    Term("department", "Sở, ban, ngành", "Department"),
    Term("district", "Quận, huyện, thị xã, thành phố thuộc tỉnh", "District"),
    Term("commune", "Xã, phường, đặc khu", "Commune"),
    Term("central_agency", "Cơ quan Trung ương đóng trên địa bàn", "Central agency"),
    Term("service_centre", "Trung tâm Phục vụ hành chính công", "Public service centre"),
    Term("one_stop", "Bộ phận Một cửa", "One-stop unit"),
    Term("counter_group", "Nhóm quầy", "Counter group"),
)
UNIT_KINDS = codes(UNIT_KIND_TERMS)

ROLE_TERMS = (
    Term("admin", "Quản trị", "Administrator"),
    Term("officer", "Cán bộ theo dõi", "Officer"),
    Term("clerk", "Cán bộ nhập phiếu", "Data clerk"),
)
ROLES = codes(ROLE_TERMS)

#: Follow-up reasons after a "not satisfied" vote (DOMAIN.md §2).
REASON_TERMS = (
    Term("waiting_time", "Thời gian chờ đợi", "Waiting time"),
    Term("staff_attitude", "Thái độ công chức", "Staff attitude"),
    Term("procedure", "Thủ tục, giấy tờ", "Procedure and paperwork"),
    Term("fees", "Phí, lệ phí", "Fees"),
    Term("facilities", "Cơ sở vật chất", "Facilities"),
    Term("other", "Lý do khác", "Other"),
)
REASONS = codes(REASON_TERMS)

RESPONDENT_GROUP_TERMS = (
    Term("citizen", "Người dân", "Citizen"),
    Term("organisation", "Đại diện tổ chức", "Organisation representative"),
    Term("enterprise", "Doanh nghiệp", "Enterprise"),
    Term("council_delegate", "Đại biểu HĐND", "People's Council delegate"),
    Term("civil_servant", "Cán bộ, công chức", "Civil servant"),
)
RESPONDENT_GROUPS = codes(RESPONDENT_GROUP_TERMS)
