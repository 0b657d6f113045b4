/*
 * phone.js — the callback number rule, the same as the server's (survey_app/domain/cases.py
 * callback_phone, applied to the first 40 characters typed): 10 or 11 digits starting with 0
 * (not 00), or the same after +84 / 84; spaces, dots, hyphens and brackets between digits are
 * ignored. The tablet checks the number before the vote is queued, so the citizen can correct it
 * while still at the counter; tests/phone_numbers.json is the shared list of examples that a
 * Python test and the browser test both run, so the two rules cannot drift apart.
 */

const SEPARATORS = /[\s.\-()]/g;

/** The number in its national form ('0905123456'), or null when it is not a Vietnamese one. */
export function callbackPhone(typed) {
  let digits = String(typed ?? '').slice(0, 40).trim().replace(SEPARATORS, '');
  if (digits.startsWith('+84')) digits = `0${digits.slice(3)}`;
  else if (digits.startsWith('84') && (digits.length === 11 || digits.length === 12)) digits = `0${digits.slice(2)}`;
  if (!/^[0-9]+$/.test(digits)) return null;
  if ((digits.length !== 10 && digits.length !== 11) || digits[0] !== '0' || digits[1] === '0') return null;
  return digits;
}
