import type { OptionMap } from "../options.js";

/** One entry of IPv4Data or IPv6Data: the pool CIDR and addresses with their prefix length. */
export interface IpData {
  AddressSpace?: string;
  Pool: string;
  Gateway?: string;
  AuxAddresses?: Record<string, string>;
}

/** `/NetworkDriver.CreateNetwork` request. */
export interface CreateNetworkRequest {
  NetworkID: string;
  Options?: OptionMap | null;
  IPv4Data?: IpData[] | null;
  IPv6Data?: IpData[] | null;
}
