/** Secret types the API accepts, in the order upstream lists them in errors. */
export const SECRET_TYPES = [
  "symmetric",
  "passphrase",
  "private",
  "public",
  "certificate",
  "opaque",
] as const;

export type SecretType = (typeof SECRET_TYPES)[number];

/** Largest bit length upstream accepts: the maximum of a MySQL SMALLINT. */
export const MAX_BIT_LENGTH = 32767;

/** A stored secret, without its payload. */
export interface SecretRecord {
  id: string;
  projectId: string;
  creatorId: string | null;
  name: string | null;
  secretType: string;
  algorithm: string | null;
  bitLength: number | null;
  mode: string | null;
  /** ISO-8601 UTC, whole seconds; null when the secret never expires. */
  expiration: string | null;
  status: string;
  /** Normalised content type of the payload; null while the secret has no payload. */
  contentType: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A validated `POST /v1/secrets` request. */
export interface NewSecretRequest {
  name: string | null;
  secretType: string;
  algorithm: string | null;
  bitLength: number | null;
  mode: string | null;
  expiration: Date | null;
  /** The payload to store, already decoded to bytes, or null for a metadata-only secret. */
  payload: Buffer | null;
  /** Normalised content type of `payload`. */
  contentType: string | null;
  transportKeyId: string | null;
}

/** A time bound of a date filter; `exclusive` distinguishes `gt`/`lt` from `gte`/`lte`. */
export interface DateBound {
  at: Date;
  exclusive: boolean;
}

/** One date filter of a secret listing, such as `created=gt:2026-01-01,lte:2026-02-01`. */
export interface DateFilter {
  after?: DateBound;
  before?: DateBound;
  /** A bare value: the stored time falls in that second. */
  equals?: Date;
}

/** Sortable fields of a listing, by their query-string name. */
export const SORT_KEYS = [
  "algorithm",
  "bit_length",
  "created",
  "expiration",
  "mode",
  "name",
  "secret_type",
  "status",
  "updated",
] as const;

export type SortKey = (typeof SORT_KEYS)[number];

export interface SortOrder {
  key: SortKey;
  direction: "asc" | "desc";
}

/** Filters of `GET /v1/secrets`. LIKE patterns keep upstream's `%` and `_` wildcards. */
export interface SecretListFilters {
  projectId: string;
  namePattern?: string;
  algorithmPattern?: string;
  modePattern?: string;
  bitLength?: number;
  secretType?: string;
  created?: DateFilter;
  updated?: DateFilter;
  expiration?: DateFilter;
  sort: SortOrder[];
  /** Lists only the secrets whose read ACL names this user, across projects. */
  aclUserId?: string;
}

/** One page of a listing. */
export interface SecretPage {
  secrets: SecretRecord[];
  total: number;
}
