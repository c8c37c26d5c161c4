/** Resources that quotas limit, in upstream's key order. */
export const QUOTA_RESOURCES = ["secrets", "orders", "containers", "consumers", "cas"] as const;

export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Quota values by resource: -1 (or less) is unlimited, 0 disables creation, null is unset. */
export type QuotaValues = Record<QuotaResource, number | null>;

/** Effective quotas, with every unset value replaced by the configured default. */
export type EffectiveQuotas = Record<QuotaResource, number>;

/** Counts a project's live resources of one kind, for quota enforcement. */
export type ResourceCounter = (projectId: string) => Promise<number>;
