"""User-facing messages in Vietnamese (default) and English, keyed by a stable code.

Validation code returns keys; views render them in the caller's language (``?lang=en`` or an
``Accept-Language`` that prefers English).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("Bắt buộc phải có.", "Required."),
    "unknown_item": ("Câu hỏi không có trong phiếu.", "Not an item of this questionnaire."),
    "unknown_field": ("Trường không được hỗ trợ.", "Unknown field."),
    "not_in_options": ("Giá trị không hợp lệ; chọn một trong: {allowed}.",
                       "Invalid value; choose one of: {allowed}."),
    "must_be_list": ("Phải là danh sách; chọn trong: {allowed}.",
                     "Must be a list; choose from: {allowed}."),
    "duplicate_choice": ("Một lựa chọn bị lặp lại.", "A choice is repeated."),
    "must_be_text": ("Phải là văn bản.", "Must be text."),
    "bad_text": ("Chứa ký tự không hợp lệ (không phải văn bản UTF-8).",
                 "Contains characters that are not valid UTF-8 text."),
    "must_be_object": ("Phải là một đối tượng JSON.", "Must be a JSON object."),
    "too_long": ("Dài quá {max} ký tự.", "Longer than {max} characters."),
    "hidden_item": ("Câu này chỉ trả lời khi câu “{item}” có giá trị phù hợp.",
                    "This item applies only after a matching answer to “{item}”."),
    "bad_uuid": ("Phải là UUID.", "Must be a UUID."),
    "bad_datetime": ("Phải là thời điểm ISO-8601 có múi giờ, ví dụ 2026-11-22T09:30:00+07:00.",
                     "Must be an ISO-8601 timestamp with an offset, "
                     "e.g. 2026-11-22T09:30:00+07:00."),
    "bad_date": ("Phải là ngày dạng YYYY-MM-DD.", "Must be a date as YYYY-MM-DD."),
    "date_out_of_range": ("Ngày phải trong khoảng {min} – {max}.",
                          "The date must be between {min} and {max}."),
    "date_order": ("Ngày kết thúc phải không trước ngày bắt đầu.",
                   "The end date must not be before the start date."),
    "range_too_long": ("Khoảng thời gian dài quá {max} ngày.", "The range exceeds {max} days."),
    "unknown_unit": ("Không có đơn vị mã “{code}”.", "No unit with code “{code}”."),
    "unknown_counter": ("Đơn vị không có quầy mã “{code}”.", "The unit has no counter “{code}”."),
    "unknown_channel": ("Kênh phải là một trong: {allowed}.", "Channel must be one of: {allowed}."),
    "unknown_questionnaire": ("Không có phiếu “{code}” phiên bản {version}.",
                              "No questionnaire “{code}” version {version}."),
    "receipt_channel": ("Phiếu kênh “qr_receipt” chỉ gửi được qua mã QR trên giấy hẹn trả kết "
                        "quả (mỗi hồ sơ một phiếu).",
                        "Votes on channel “qr_receipt” come only through the QR code on a "
                        "dossier receipt (one per dossier)."),
    "channel_not_allowed": ("Phiếu này không dùng cho kênh “{channel}”.",
                            "This questionnaire is not used on channel “{channel}”."),
    "bad_integer": ("Phải là số nguyên.", "Must be a whole number."),
    "bad_flag": ("Giá trị phải là 0 hoặc 1.", "Must be 0 or 1."),
    "no_overall": ("Phiếu không có câu đánh giá chung.", "The questionnaire has no overall item."),
    "bad_json": ("Nội dung yêu cầu phải là JSON hợp lệ (UTF-8).",
                 "The request body must be valid JSON (UTF-8)."),
    "unauthorized": ("Thiếu hoặc sai mã xác thực (Authorization: Bearer …).",
                     "Missing or invalid token (Authorization: Bearer …)."),
    "forbidden": ("Không có quyền thực hiện thao tác này.", "Not allowed."),
    "forbidden_unit": ("Không có quyền với đơn vị này.", "Not allowed for this unit."),
    "kiosk_other_unit": ("Thiết bị chỉ được gửi phiếu cho đơn vị đã đăng ký.",
                         "A kiosk may only vote for the unit it is registered to."),
    "conflict": ("Mã phiếu (client_id) này đã dùng cho một phiếu khác.",
                 "This client_id was already used for a different vote."),
    "not_found": ("Không tìm thấy.", "Not found."),
    "bad_count": ("Phải là số nguyên từ 0 đến {max} (số phiếu phát ra phải lớn hơn 0).",
                  "Must be a whole number from 0 to {max} (issued must be above 0)."),
    "returned_over_issued": ("Số phiếu thu về không được lớn hơn số phiếu phát ra.",
                             "Returned cannot exceed issued."),
    "returned_below_entered": ("Đã nhập {entered} phiếu; số phiếu thu về không được nhỏ hơn.",
                               "{entered} sheets are entered; returned cannot be lower."),
    "issued_below_serial": ("Đã có phiếu mang số lớn hơn số phiếu phát ra mới.",
                            "A sheet with a higher serial is already entered."),
    "bad_serial": ("Số phiếu phải từ 1 đến {max}.", "The serial must be from 1 to {max}."),
    "outside_period": ("Ngày trả lời phải trong kỳ khảo sát ({from} – {to}).",
                       "The answer date must be within the survey period ({from} – {to})."),
    "serial_taken": ("Phiếu số {serial} đã được nhập trong lô này.",
                     "Sheet {serial} is already entered in this batch."),
    "batch_full": ("Đã nhập đủ {returned} phiếu thu về; không nhập thêm được.",
                   "All {returned} returned sheets are entered."),
    "bad_key": ("Phím không hợp lệ; dùng: {keys}.", "Invalid key; use: {keys}."),
    "same_clerk": ("Nhập lần hai phải do cán bộ khác với người nhập lần đầu.",
                   "The second keying must be done by another clerk."),
    "bad_file": ("Tệp không đọc được (cần CSV UTF-8 hoặc XLSX).",
                 "The file cannot be read (CSV in UTF-8, or XLSX)."),
    "bad_header": ("Dòng tiêu đề phải là: {header}", "The header row must be: {header}"),
    "unknown_columns": ("Cột không có trong phiếu: {columns}",
                        "Columns that are not items: {columns}"),
    "receipt_used": ("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.",
                     "This dossier has already been rated; each dossier is rated once."),
    "bad_days": ("Phải là số ngày từ 1 đến {max}.", "Must be a number of days from 1 to {max}."),
    "receipt_expired": ("Mã đánh giá trên giấy hẹn đã hết hạn.",
                        "The receipt code has expired."),
    "too_large": ("Nội dung yêu cầu quá lớn.", "The request body is too large."),
    "method_not_allowed": ("Phương thức không được hỗ trợ.", "Method not allowed."),
    "unavailable": ("Dịch vụ tạm thời không lưu được dữ liệu; vui lòng thử lại sau.",
                    "The service cannot store data right now; please try again later."),
    "invalid": ("Dữ liệu không hợp lệ; xem từng trường trong \"errors\".",
                "Invalid input; see each field in \"errors\"."),
    "internal": ("Lỗi hệ thống.", "Internal error."),
    "unit_not_in_force": ("Đơn vị {unit} không còn hoặc chưa hoạt động vào ngày {day}; "
                          "không nhận đánh giá cho đơn vị này.",
                          "Unit {unit} is not in force on {day}; it takes no votes."),
    "unit_not_valid": ("{name} ({unit}) {valid_vi}; không dùng được cho {when_vi}.",
                       "{name} ({unit}) {valid_en}; it cannot be used for {when_en}."),
    # kiosk tablets (web/kiosk.py)
    "revoked": ("Thiết bị đã bị thu hồi; máy này không còn được phép gửi phiếu đánh giá.",
                "This device has been revoked; it may no longer send votes."),
    "pairing_malformed": ("Mã ghép nối gồm 8 ký tự chữ và số, ví dụ ABCD-EFGH.",
                          "A pairing code has 8 letters and digits, e.g. ABCD-EFGH."),
    "pairing_unknown": ("Mã ghép nối không tồn tại. Vui lòng kiểm tra lại từng ký tự.",
                        "Unknown pairing code. Please check each character."),
    "pairing_expired": ("Mã ghép nối đã hết hạn. Vui lòng tạo mã mới.",
                        "This pairing code has expired. Please create a new one."),
    "pairing_used": ("Mã ghép nối đã được sử dụng; mỗi mã chỉ dùng được một lần.",
                     "This pairing code has already been used; each code works once."),
    "pairing_throttled": ("Nhập sai mã quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                          "Too many wrong codes. Please try again in {minutes} minutes."),
}


def message(key: str, lang: str = "vi", params: Mapping[str, Any] | None = None) -> str:
    vi, en = MESSAGES.get(key, (key, key))
    template = en if lang == "en" else vi
    return template.format(**(params or {}))
