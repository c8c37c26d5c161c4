import { type TSchema, Type } from "@sinclair/typebox";

/**
 * JSON schemas of the request bodies Docker 20.10 sends. They require what kuryr-libnetwork's
 * schemas require and allow the extra fields Docker adds, so a malformed call gets 400 while every
 * real call passes.
 */

const options = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

const ipData = Type.Object({
  AddressSpace: Type.Optional(Type.String()),
  Pool: Type.String(),
  Gateway: Type.Optional(Type.String()),
  AuxAddresses: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
});

/**
 * A Docker network or endpoint id, which Docker writes as 64 hexadecimal characters. Only letters
 * and digits are accepted, because the id goes into Neutron names, tags (at most 60 characters,
 * so the id is split into two halves of 32) and tag filters, where a comma separates tags.
 */
const dockerId = Type.String({ pattern: "^[0-9A-Za-z]{1,64}$" });

const endpointIds = {
  NetworkID: dockerId,
  EndpointID: dockerId,
};

export const createNetworkSchema = Type.Object({
  NetworkID: dockerId,
  Options: Type.Optional(options),
  IPv4Data: Type.Union([Type.Array(ipData), Type.Null()]),
  IPv6Data: Type.Union([Type.Array(ipData), Type.Null()]),
});

export const networkIdSchema = Type.Object({ NetworkID: dockerId });

export const createEndpointSchema = Type.Object({
  ...endpointIds,
  Options: Type.Optional(options),
  Interface: Type.Union([
    Type.Object({
      Address: Type.Optional(Type.String()),
      AddressIPv6: Type.Optional(Type.String()),
      MacAddress: Type.Optional(Type.String()),
    }),
    Type.Null(),
  ]),
});

export const endpointSchema = Type.Object({ ...endpointIds, Options: Type.Optional(options) });

export const joinSchema = Type.Object({
  ...endpointIds,
  SandboxKey: Type.String(),
  Options: Type.Optional(options),
});

export const requestPoolSchema = Type.Object({
  AddressSpace: Type.Optional(Type.String()),
  Pool: Type.String(),
  SubPool: Type.Optional(Type.String()),
  Options: Type.Optional(options),
  V6: Type.Boolean(),
});

export const requestAddressSchema = Type.Object({
  PoolID: Type.String({ minLength: 1 }),
  Address: Type.String(),
  Options: Type.Optional(options),
});

export const releasePoolSchema = Type.Object({ PoolID: Type.String({ minLength: 1 }) });

export const releaseAddressSchema = Type.Object({
  PoolID: Type.String({ minLength: 1 }),
  Address: Type.String({ minLength: 1 }),
});

/** Accepts any JSON body, or none, for calls whose body the plugin ignores. */
export const anyBodySchema: TSchema = Type.Unknown();
