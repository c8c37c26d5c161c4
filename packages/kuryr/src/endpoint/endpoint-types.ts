import type { OptionMap } from "../options.js";

/** The fields every endpoint call carries. */
export interface EndpointRequest {
  NetworkID: string;
  EndpointID: string;
  Options?: OptionMap | null;
}

/** `/NetworkDriver.CreateEndpoint` request; addresses carry their prefix length. */
export interface CreateEndpointRequest extends EndpointRequest {
  Interface?: { Address?: string; AddressIPv6?: string; MacAddress?: string } | null;
}

/** `/NetworkDriver.Join` answer. */
export interface JoinResponse {
  InterfaceName: { SrcName: string; DstPrefix: string };
  Gateway?: string;
  GatewayIPv6?: string;
  StaticRoutes: { Destination: string; RouteType: number; NextHop: string }[];
  DisableGatewayService: boolean;
}
