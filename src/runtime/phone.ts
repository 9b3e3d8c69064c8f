/**
 * Phone numbers in one spelling. Contacts, calls and lookups all store E.164 so that
 * "+7 495 123-45-67", "84951234567" and "7 (495) 1234567" find the same contact.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { remembered } from './remembered.js';

/** Extensions and service codes stay as dialled: parsing "101" against RU would invent "+7101". */
const MAX_EXTENSION_DIGITS = 6;

export function isExtension(raw: string): boolean {
  const digits = raw.replace(/[\s\-()]/g, '');
  return /^\d+$/.test(digits) && digits.length <= MAX_EXTENSION_DIGITS;
}

/**
 * E.164 when the number is a possible phone number for `defaultCountry`, otherwise its digits
 * (an extension, a short code, or something the provider sent we cannot place). Never throws.
 */
export function normalizePhone(raw: string, defaultCountry = 'RU'): string {
  return normalized(`${defaultCountry}\n${raw}`);
}

// Parsing is the slow part of a webhook's handling, and each call's events repeat the same numbers.
const normalized = remembered(10_000, (key) => {
  const cut = key.indexOf('\n');
  return parseNumber(key.slice(cut + 1), key.slice(0, cut));
});

function parseNumber(raw: string, defaultCountry: string): string {
  const trimmed = raw.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length === 0) return trimmed;
  if (isExtension(trimmed)) return digits;
  // "00" is the international prefix almost everywhere, but libphonenumber only knows each country's own.
  const international = trimmed.startsWith('+') ? trimmed : trimmed.startsWith('00') ? `+${digits.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(international, asCountry(defaultCountry));
  if (parsed?.isPossible()) return parsed.number;
  // Providers often send international numbers without the plus ("74951234567").
  const withPlus = parsePhoneNumberFromString(`+${digits}`);
  if (withPlus?.isValid()) return withPlus.number;
  return digits;
}

/** Every stored spelling a lookup should try for a typed number: the E.164 form, then bare digits. */
export function lookupKeys(raw: string, defaultCountry = 'RU'): string[] {
  const normalized = normalizePhone(raw, defaultCountry);
  const digits = raw.replace(/\D/g, '');
  return [...new Set([normalized, digits].filter((key) => key.length > 0))];
}

/** Whether `code` is an ISO 3166 alpha-2 country libphonenumber knows, e.g. `RU`. */
export function isKnownCountry(code: string): boolean {
  return isSupportedCountry(code);
}

function asCountry(code: string): CountryCode | undefined {
  const upper = code.toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}
