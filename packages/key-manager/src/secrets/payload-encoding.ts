import { pythonList } from "../api/python-repr.js";

/** Content types a payload may be stored and read as, as upstream spells them. */
export const PLAIN_TEXT_TYPES = [
  "text/plain",
  "text/plain;charset=utf-8",
  "text/plain; charset=utf-8",
];
export const BINARY_TYPES = ["application/octet-stream", "application/pkcs8"];
export const SUPPORTED_TYPES = [...PLAIN_TEXT_TYPES, ...BINARY_TYPES];

const INTERNAL_TYPES: Record<string, string> = {
  "text/plain": "text/plain",
  "text/plain;charset=utf-8": "text/plain",
  "text/plain; charset=utf-8": "text/plain",
  "application/octet-stream": "application/octet-stream",
  "application/pkcs8": "application/pkcs8",
  "application/aes": "application/aes",
};

/** Encodings a one-step payload may use, by normalised content type; null means none. */
const ENCODINGS_BY_TYPE: Record<string, string[] | null> = {
  "text/plain": null,
  "application/octet-stream": ["base64", "binary"],
  "application/pkcs8": ["base64", "binary"],
  "application/aes": null,
};

/**
 * Normalises a content type as upstream does: the media type is lower-cased, a `charset` other
 * than utf-8 or a malformed parameter leaves the value unchanged (and so unsupported), and known
 * types map to their internal name.
 */
export function normalizeContentType(contentType: string): string {
  const parts = contentType.split(";").map((part) => part.trim());
  const media = (parts[0] ?? "").toLowerCase();
  const parameter = parts[1];
  if (parameter !== undefined) {
    const lowered = parameter.toLowerCase();
    if (!lowered.includes("=")) {
      return contentType;
    }
    const charset = (lowered.split("=")[1] ?? "").trim();
    if (charset !== "utf-8") {
      return contentType;
    }
  }
  return INTERNAL_TYPES[media] ?? contentType;
}

/** Returns true when payloads can be stored or read as this content type. */
export function isSupportedContentType(contentType: string): boolean {
  return SUPPORTED_TYPES.includes(normalizeContentType(contentType));
}

/** Returns the encodings allowed with a supported content type (null when none is). */
export function allowedEncodings(contentType: string): string[] | null {
  const internal = INTERNAL_TYPES[normalizeContentType(contentType)] ?? "";
  return ENCODINGS_BY_TYPE[internal] ?? null;
}

/** Formats the allowed encodings as upstream prints them: `None` or `['base64', 'binary']`. */
export function describeEncodings(encodings: string[] | null): string {
  return encodings === null ? "None" : pythonList(encodings);
}

/**
 * Decodes base64 as Python's `b64decode` does without validation: characters outside the alphabet
 * are dropped, but the padding must be right. Returns undefined when the text cannot be decoded.
 */
export function decodeBase64Leniently(text: string): Buffer | undefined {
  const cleaned = text.replace(/[^A-Za-z0-9+/=]/g, "");
  const paddingStart = cleaned.indexOf("=");
  const data = paddingStart < 0 ? cleaned : cleaned.slice(0, paddingStart);
  const padding = paddingStart < 0 ? 0 : cleaned.length - paddingStart;
  const remainder = data.length % 4;
  if (remainder === 1 || (remainder === 2 && padding < 2) || (remainder === 3 && padding < 1)) {
    return undefined;
  }
  return Buffer.from(data, "base64");
}
