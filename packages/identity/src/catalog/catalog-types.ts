/** Interfaces every catalog service has, all with the same URL. */
export const ENDPOINT_INTERFACES = ["public", "internal", "admin"] as const;

export type EndpointInterface = (typeof ENDPOINT_INTERFACES)[number];

/** One endpoint as it appears in a token's catalog. */
export interface CatalogEndpoint {
  id: string;
  interface: EndpointInterface;
  region: string;
  region_id: string;
  url: string;
}

/** One service as it appears in a token's catalog. */
export interface CatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}
