"""The words of the public results pages (``/cong-khai/``): Vietnamese first, English second.

Templates read them as ``t.key``; the longer prose of "Kiểm chứng số liệu" is written in both
languages in its template. Unit names, scheme and block names, bands and withdrawal reasons are
data and stay as stored.
"""

from __future__ import annotations

from datetime import date

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        # layout
        "title": "Kết quả đánh giá sự hài lòng", "site": "Công khai",
        "skip": "Bỏ qua, đến nội dung chính", "nav": "Trang công khai",
        "nav_results": "Kết quả công khai", "nav_verify": "Kiểm chứng số liệu",
        "switch": "English", "switch_lang": "en",
        "footer": "Chỉ hiển thị số liệu của các kỳ đã khóa và được công bố; không gồm phiếu bị "
                  "gắn cờ, phiếu hủy hay ý kiến của người dân. Tỷ lệ làm tròn theo quy tắc",
        # figures
        "insufficient": "chưa đủ số phiếu", "no_votes": "Chưa có phiếu",
        "satisfied": "hài lòng", "votes": "phiếu",
        "col_unit": "Đơn vị", "col_n": "Số phiếu", "col_rate": "Tỷ lệ hài lòng",
        "col_ci": "Khoảng tin cậy 95%", "col_period": "Kỳ", "col_hash": "Mã băm",
        "withdrawn_title": "Số liệu đã rút lại", "withdrawn_on": "Đã rút lại ngày",
        "because": "vì", "old_hash": "mã băm cũ",
        # the province's page
        "heading": "Kết quả đánh giá sự hài lòng của người dân, tổ chức",
        "none_published": "Chưa có kỳ số liệu nào được công bố.",
        "period": "Kỳ công bố", "show": "Xem", "published_on": "Công bố", "rule": "quy tắc",
        "snapshot_hash": "mã băm bản chốt", "how_to_verify": "cách kiểm chứng",
        "caption": "Tỷ lệ hài lòng theo đơn vị (khoảng tin cậy 95%; dưới {min_n} phiếu: chưa "
                   "đủ số phiếu)",
        "units_under": "Các đơn vị trực thuộc {name}",
        "bar_title": "Tỷ lệ hài lòng các đơn vị trực thuộc {name}",
        "open_data": "Tải dữ liệu mở năm {year}:", "json": "JSON (kèm dữ liệu kiểm chứng)",
        "no_such_period": "Không có kỳ công bố này",
        "no_such_period_text": "Kỳ được chọn không có hoặc đã được rút lại.",
        "back": "Về trang kết quả công khai",
        # one unit
        "unit_none": "Chưa có kỳ số liệu nào của đơn vị này được công bố.",
        "latest": "Kỳ công bố gần nhất",
        "too_few": "Chưa đủ số phiếu (tối thiểu {min_n}) để kết luận.",
        "snapshot_hash_cap": "Mã băm bản chốt", "over_periods": "Qua các kỳ",
        "trend_title": "Tỷ lệ hài lòng của {name} qua các kỳ",
        "trend_caption": "(đường: tỷ lệ hài lòng; dải: khoảng tin cậy 95%)",
        "kind_1": "Theo tháng", "kind_3": "Theo quý", "kind_6": "Theo nửa năm",
        "kind_12": "Theo năm", "kind_other": "Kỳ khác",
        "children": "Đơn vị trực thuộc", "ranking": "Xếp hạng {scheme} năm {year}: {block}",
        "by_counter": "Theo quầy",
        "col_counter": "Quầy",
        "counter_note": ("Số liệu theo quầy được công bố theo quyết định của quản trị viên; có thể "
                         "kiểm chứng bằng tệp dữ liệu mở (mã băm riêng của đơn vị, quy tắc "
                         "{rule})."),
        "col_rank": "Hạng", "col_total": "Tổng điểm", "col_band": "Xếp loại",
        "this_unit": "(đơn vị này)", "ranking_hash": "mã băm bảng xếp hạng",
        "all_units": "‹ Tất cả đơn vị", "rate_unit": "Đánh giá đơn vị này",
        # the widget
        "embed_title": "Sự hài lòng",
        "published_link": "Số liệu đã công bố, có mã băm kiểm chứng",
        "rate_service": "Đánh giá sự phục vụ",
        # the waiting-room screen
        "screen_title": "Kết quả đánh giá", "screen_heading": "{name}: sự hài lòng của người dân",
        "today": "Hôm nay", "ratings": "lượt đánh giá", "provisional": "Số liệu tạm thời",
        "total_provisional": "tạm tính, chưa đủ điểm thẩm định",
        "published_suffix": "(đã công bố)", "published_quarter": "Quý đã công bố",
        "official": "Số liệu chính thức", "no_quarter": "Chưa có quý nào được công bố",
        "screen_foot": "Đánh giá tại quầy hoặc quét mã QR · Cập nhật {at} · tự làm mới mỗi "
                       "{seconds} giây",
    },
    "en": {
        "title": "Satisfaction survey results", "site": "Public results",
        "skip": "Skip to the main content", "nav": "Public pages",
        "nav_results": "Published results", "nav_verify": "Verify the figures",
        "switch": "Tiếng Việt", "switch_lang": "vi",
        "footer": "Only closed and published periods are shown; flagged and void ballots and "
                  "citizens' comments are not. Rates are rounded by the rule",
        "insufficient": "too few votes", "no_votes": "No votes",
        "satisfied": "satisfied", "votes": "votes",
        "col_unit": "Unit", "col_n": "Votes", "col_rate": "Satisfied",
        "col_ci": "95% interval", "col_period": "Period", "col_hash": "Hash",
        "withdrawn_title": "Withdrawn figures", "withdrawn_on": "Withdrawn on",
        "because": "because:", "old_hash": "former hash",
        "heading": "Citizen and business satisfaction results",
        "none_published": "No period has been published yet.",
        "period": "Published period", "show": "Show", "published_on": "Published",
        "rule": "rule", "snapshot_hash": "snapshot hash", "how_to_verify": "how to verify",
        "caption": "Satisfaction rate by unit (95% confidence interval; fewer than {min_n} "
                   "votes: too few votes)",
        "units_under": "Units under {name}",
        "bar_title": "Satisfaction rate of the units under {name}",
        "open_data": "Open data for {year}:", "json": "JSON (with the data to verify it)",
        "no_such_period": "No such published period",
        "no_such_period_text": "The chosen period does not exist or has been withdrawn.",
        "back": "Back to the published results",
        "unit_none": "No period of this unit has been published yet.",
        "latest": "Latest published period",
        "too_few": "Too few votes (at least {min_n}) to draw a conclusion.",
        "snapshot_hash_cap": "Snapshot hash", "over_periods": "Over the periods",
        "trend_title": "Satisfaction rate of {name} over the periods",
        "trend_caption": "(line: satisfaction rate; band: 95% confidence interval)",
        "kind_1": "Monthly", "kind_3": "Quarterly", "kind_6": "Half-yearly",
        "kind_12": "Yearly", "kind_other": "Other periods",
        "children": "Units under this one", "ranking": "Ranking {scheme} {year}: {block}",
        "by_counter": "By counter",
        "col_counter": "Counter",
        "counter_note": ("Counter figures are published by decision of an administrator; they "
                         "can be verified with the open-data file (the unit's own hash, rule "
                         "{rule})."),
        "col_rank": "Rank", "col_total": "Total", "col_band": "Band",
        "this_unit": "(this unit)", "ranking_hash": "ranking hash",
        "all_units": "‹ All units", "rate_unit": "Rate this unit",
        "embed_title": "Satisfaction",
        "published_link": "Published figures, with a hash to verify them",
        "rate_service": "Rate this office",
        "screen_title": "Survey results", "screen_heading": "{name}: citizen satisfaction",
        "today": "Today", "ratings": "ratings", "provisional": "Provisional figures",
        "total_provisional": "provisional, not every part scored",
        "published_suffix": "(published)", "published_quarter": "Published quarter",
        "official": "Official figures", "no_quarter": "No quarter published yet",
        "screen_foot": "Rate us at the counter or scan the QR code · Updated {at} · refreshes "
                       "every {seconds} seconds",
    },
}

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def months_in(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period_label(start: date, end: date, lang: str = "vi") -> str:
    """Tháng 7/2026, Quý 3/2026, 6 tháng đầu năm 2026, Năm 2026 — or July 2026, Q3 2026,
    H1 2026, 2026; any other range as its dates."""
    months, en = months_in(start, end), lang == "en"
    if months == 1:
        return f"{MONTHS[start.month - 1]} {start.year}" if en else \
            f"Tháng {start.month}/{start.year}"
    if months == 3 and start.month % 3 == 1:
        q = (start.month + 2) // 3
        return f"Q{q} {start.year}" if en else f"Quý {q}/{start.year}"
    if months == 6 and start.month in (1, 7):
        if en:
            return f"H{1 if start.month == 1 else 2} {start.year}"
        return f"6 tháng {'đầu' if start.month == 1 else 'cuối'} năm {start.year}"
    if months == 12 and start.month == 1:
        return str(start.year) if en else f"Năm {start.year}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" if en else f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
