import type { OptionMap } from "../options.js";

/** `/IpamDriver.RequestPool` request. */
export interface RequestPoolRequest {
  AddressSpace?: string;
  Pool: string;
  SubPool?: string;
  Options?: OptionMap | null;
  V6: boolean;
}

export interface RequestPoolResponse {
  PoolID: string;
  Pool: string;
  Data: Record<string, string>;
}

/** `/IpamDriver.RequestAddress` request; Address has no prefix length. */
export interface RequestAddressRequest {
  PoolID: string;
  Address?: string;
  Options?: OptionMap | null;
}

/** Address with its prefix length, as Docker requires. */
export interface RequestAddressResponse {
  Address: string;
  Data: Record<string, string>;
}
