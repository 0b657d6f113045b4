/*
 * i18n.js — Vietnamese (default) and English labels for the kiosk.
 *
 * Elements in index.html name their text with data-i18n (textContent), data-i18n-label
 * (aria-label and title) and data-i18n-ph (placeholder). apply() rewrites them all and updates
 * <html lang>, so one switch changes every label, including the accessible names.
 * Strings are stored precomposed (Unicode NFC), as DOMAIN.md §8 asks. The questionnaire's own
 * vocabulary (face labels, reasons) is not here: it comes from the server with its {vi, en}
 * labels (app.js), and the comment limit {n} is the server's.
 */

const STRINGS = {
  vi: {
    'app.title': 'Đánh giá mức độ hài lòng',
    'lang.switch': 'EN',
    'lang.switchLabel': 'EN – Switch to English',
    'pair.title': 'Ghép nối máy tính bảng',
    'pair.hint': 'Nhập mã ghép nối do cán bộ quản trị cung cấp.',
    'pair.label': 'Mã ghép nối',
    'pair.button': 'Ghép nối',
    'pair.busy': 'Đang ghép nối…',
    'pair.empty': 'Vui lòng nhập mã ghép nối.',
    'pair.network': 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.',
    'pair.404': 'Mã ghép nối không tồn tại.',
    'pair.410': 'Mã ghép nối đã hết hạn.',
    'pair.422': 'Mã ghép nối không hợp lệ hoặc đã được sử dụng.',
    'pair.other': 'Ghép nối không thành công (mã lỗi {status}). Vui lòng thử lại.',
    'vote.question': 'Ông/Bà có hài lòng với việc giải quyết thủ tục hành chính hôm nay không?',
    'vote.group': 'Mức độ hài lòng',
    'reason.title': 'Ông/Bà chưa hài lòng về điều gì?',
    'reason.hint': 'Chọn một hoặc nhiều lý do (không bắt buộc).',
    'reason.group': 'Lý do chưa hài lòng',
    'reason.comment': 'Ý kiến thêm (không bắt buộc, tối đa {n} ký tự)',
    'reason.send': 'Gửi',
    'reason.skip': 'Bỏ qua',
    'callback.title': 'Ông/Bà có muốn được liên hệ lại không?',
    'callback.hint': 'Không bắt buộc. Số điện thoại được lưu riêng, không gắn với phiếu đánh giá, chỉ cán bộ phụ trách xem được và được xóa sau khi xử lý.',
    'callback.phone': 'Số điện thoại',
    'callback.consent': 'Tôi đồng ý để cơ quan dùng số điện thoại này liên hệ lại với tôi về ý kiến trên.',
    'callback.send': 'Tôi muốn được liên hệ lại',
    'callback.skip': 'Bỏ qua',
    'callback.badPhone': 'Số điện thoại chưa đúng (10 hoặc 11 chữ số, ví dụ 0905 123 456).',
    'callback.noConsent': 'Vui lòng đánh dấu đồng ý để cơ quan liên hệ lại.',
    'thanks.text': 'Cảm ơn Ông/Bà đã đánh giá!',
    'revoked.title': 'Thiết bị đã bị thu hồi',
    'revoked.body': 'Máy này không còn được phép gửi phiếu đánh giá. Vui lòng báo cán bộ quản trị.',
    'revoked.kept': 'Phiếu chưa gửi vẫn được lưu trên máy: {n}. Phiếu sẽ được gửi sau khi ghép nối lại với đúng quầy này.',
    'revoked.button': 'Ghép nối lại',
    'status.online': 'Trực tuyến',
    'status.offline': 'Ngoại tuyến',
    'status.queued': '{n} phiếu chờ gửi',
    'status.held': '{n} phiếu của quầy khác đang giữ lại',
    'status.pending': '{n} phiếu đang chờ lý do',
    'status.rejected': '{n} phiếu bị máy chủ từ chối (vẫn lưu trên máy)',
    'status.allSent': 'Đã gửi hết phiếu',
  },
  en: {
    'app.title': 'Satisfaction survey',
    'lang.switch': 'VI',
    'lang.switchLabel': 'VI – Chuyển sang tiếng Việt',
    'pair.title': 'Pair this tablet',
    'pair.hint': 'Enter the pairing code given by the administrator.',
    'pair.label': 'Pairing code',
    'pair.button': 'Pair',
    'pair.busy': 'Pairing…',
    'pair.empty': 'Please enter the pairing code.',
    'pair.network': 'Cannot reach the server. Please check the network and try again.',
    'pair.404': 'Unknown pairing code.',
    'pair.410': 'This pairing code has expired.',
    'pair.422': 'This pairing code is invalid or has already been used.',
    'pair.other': 'Pairing failed (error {status}). Please try again.',
    'vote.question': 'Are you satisfied with how your administrative procedure was handled today?',
    'vote.group': 'Satisfaction level',
    'reason.title': 'What were you not satisfied with?',
    'reason.hint': 'Choose one or more reasons (optional).',
    'reason.group': 'Reasons',
    'reason.comment': 'Other comments (optional, up to {n} characters)',
    'reason.send': 'Send',
    'reason.skip': 'Skip',
    'callback.title': 'Would you like to be contacted?',
    'callback.hint': 'Optional. The number is stored apart from your answers, seen only by the officers in charge and deleted after the case is handled.',
    'callback.phone': 'Phone number',
    'callback.consent': 'I agree that the office may use this number to contact me about my answers.',
    'callback.send': 'I would like to be called back',
    'callback.skip': 'Skip',
    'callback.badPhone': 'Not a Vietnamese phone number (10 or 11 digits, e.g. 0905 123 456).',
    'callback.noConsent': 'Please tick the consent so that the office may call you back.',
    'thanks.text': 'Thank you for your feedback!',
    'revoked.title': 'This device has been revoked',
    'revoked.body': 'This tablet may no longer send votes. Please tell the administrator.',
    'revoked.kept': 'Votes not yet sent are kept on this tablet: {n}. They will be sent after pairing again with this same counter.',
    'revoked.button': 'Pair again',
    'status.online': 'Online',
    'status.offline': 'Offline',
    'status.queued': '{n} votes waiting to be sent',
    'status.held': '{n} votes of another counter held back',
    'status.pending': '{n} votes waiting for reasons',
    'status.rejected': '{n} votes rejected by the server (kept on the tablet)',
    'status.allSent': 'All votes sent',
  },
};

let current = 'vi';

export function lang() {
  return current;
}

/** Translate one key, filling {name} placeholders from vars. */
export function t(key, vars) {
  const text = STRINGS[current][key] ?? STRINGS.vi[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m)) : text;
}

/** Switch language and relabel the whole document. */
export function apply(code, root = document) {
  current = code === 'en' ? 'en' : 'vi';
  document.documentElement.lang = current;
  document.title = t('app.title');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) {
    const text = t(el.dataset.i18nLabel);
    el.setAttribute('aria-label', text);
    el.title = text;
  }
  for (const el of root.querySelectorAll('[data-i18n-ph]')) el.placeholder = t(el.dataset.i18nPh);
}
