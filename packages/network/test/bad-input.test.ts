import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testDialects } from "@openstack-ts/kernel/testing";
import { ALICE, type ApiResponse, type NetworkHarness, startNetwork } from "./support/harness.js";

type Item = Record<string, unknown> & { id: string };

/** Asserts Neutron's error body: status, type and, when given, the exact message. */
function assertNeutronError(response: ApiResponse, status: number, type: string, message?: string) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  const error = response.body.NeutronError;
  assert.ok(error !== undefined, `a NeutronError body: ${JSON.stringify(response.body)}`);
  assert.equal(error.type, type);
  assert.equal(error.detail, "");
  assert.equal(typeof error.message, "string");
  if (message !== undefined) {
    assert.equal(error.message, message);
  }
}

for (const dialect of testDialects()) {
  describe(`bad input (${dialect})`, () => {
    let api: NetworkHarness;
    let network: Item;
    let subnet: Item;

    before(async () => {
      api = await startNetwork(dialect);
      network = (await api.call(ALICE, "POST", "/v2.0/networks", { network: { name: "keep" } }))
        .body.network as Item;
      subnet = (
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { network_id: network.id, cidr: "10.90.0.0/24", ip_version: 4 },
        })
      ).body.subnet as Item;
    });
    after(async () => {
      await api.close();
    });

    it("rejects malformed CIDRs", async () => {
      for (const cidr of [
        "10.0.0.0/33",
        "10.0.0/24",
        "banana",
        "10.0.0.256/24",
        "fd00::/129",
        42,
      ]) {
        const response = await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { network_id: network.id, cidr, ip_version: 4 },
        });
        assert.equal(response.status, 400, String(cidr));
        assert.ok(response.body.NeutronError !== undefined, String(cidr));
      }
      const zeros = await api.call(ALICE, "POST", "/v2.0/subnets", {
        subnet: { network_id: network.id, cidr: "010.0.0.0/24", ip_version: 4 },
      });
      assert.equal(zeros.status, 400);
    });

    it("rejects bad gateways, pools and addresses", async () => {
      const base = { network_id: network.id, cidr: "10.91.0.0/24", ip_version: 4 };
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { ...base, gateway_ip: "10.91.0.300" },
        }),
        400,
        "HTTPBadRequest",
        "Invalid input for gateway_ip. Reason: '10.91.0.300' is not a valid IP address.",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: {
            ...base,
            gateway_ip: "10.91.0.5",
            allocation_pools: [{ start: "10.91.0.2", end: "10.91.0.9" }],
          },
        }),
        409,
        "GatewayConflictWithAllocationPools",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { ...base, allocation_pools: [{ start: "10.91.0.9" }] },
        }),
        400,
        "HTTPBadRequest",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { ...base, allocation_pools: [{ start: "10.91.0.20", end: "10.91.0.10" }] },
        }),
        400,
        "InvalidAllocationPool",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { ...base, dns_nameservers: ["8.8.8.8", "8.8.8.8"] },
        }),
        400,
        "HTTPBadRequest",
        "Invalid input for dns_nameservers. Reason: Duplicate nameserver '8.8.8.8'.",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: {
            ...base,
            dns_nameservers: ["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6"],
          },
        }),
        400,
        "DNSNameServersExhausted",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { ...base, host_routes: [{ destination: "10.0.0.1/8", nexthop: "10.91.0.1" }] },
        }),
        400,
        "HTTPBadRequest",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/ports", {
          port: { network_id: network.id, fixed_ips: [{ ip_address: "10.90.0.x" }] },
        }),
        400,
        "HTTPBadRequest",
      );
    });

    it("rejects invalid MAC addresses", async () => {
      for (const mac of [
        "ff:ff:ff:ff:ff:ff",
        "zz:16:3e:00:00:01",
        "fa:16:3e:00:00",
        "",
        12,
        null,
      ]) {
        const response = await api.call(ALICE, "POST", "/v2.0/ports", {
          port: { network_id: network.id, mac_address: mac },
        });
        assertNeutronError(response, 400, "HTTPBadRequest");
      }
    });

    it("rejects unknown attributes and wrong types", async () => {
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", {
          network: { name: "x", colour: "red", size: 2 },
        }),
        400,
        "HTTPBadRequest",
        "Unrecognized attribute(s) 'colour, size'",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", { network: { name: 7 } }),
        400,
        "HTTPBadRequest",
        "Invalid input for name. Reason: '7' is not a valid string.",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", { network: { admin_state_up: "perhaps" } }),
        400,
        "InvalidInput",
        "Invalid input for operation: 'perhaps' cannot be converted to boolean.",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", { network: { mtu: [1500] } }),
        400,
        "InvalidInput",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/subnets", {
          subnet: { network_id: network.id, cidr: "10.92.0.0/24", ip_version: 5 },
        }),
        400,
        "HTTPBadRequest",
        "Invalid input for ip_version. Reason: 5 is not in valid_values.",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/ports", { port: { network_id: "not-a-uuid" } }),
        400,
        "HTTPBadRequest",
        "Invalid input for network_id. Reason: 'not-a-uuid' is not a valid UUID.",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/ports", {
          port: { network_id: network.id, fixed_ips: "10.90.0.5" },
        }),
        400,
        "HTTPBadRequest",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/ports", {
          port: { network_id: network.id, security_groups: ["x"] },
        }),
        400,
        "HTTPBadRequest",
      );
      assertNeutronError(
        await api.call(ALICE, "PUT", `/v2.0/networks/${network.id}`, { network: { id: "x" } }),
        400,
        "HTTPBadRequest",
        "Cannot update read-only attribute id",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", { network: { status: "DOWN" } }),
        400,
        "HTTPBadRequest",
        "Attribute 'status' not allowed in POST",
      );
    });

    it("rejects malformed and misshapen bodies", async () => {
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", "{not json"),
        400,
        "HTTPBadRequest",
        "Body contains invalid data",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", "[1, 2]"),
        400,
        "HTTPBadRequest",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", { net: {} }),
        400,
        "HTTPBadRequest",
        "Unable to find 'network' in request body",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", { network: "x" }),
        400,
        "HTTPBadRequest",
        "Object 'network' contains invalid data",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", { networks: [] }),
        400,
        "HTTPBadRequest",
        "Resources required",
      );
      assertNeutronError(
        await api.call(ALICE, "POST", "/v2.0/networks", {}),
        400,
        "HTTPBadRequest",
      );
      assertNeutronError(
        await api.call(ALICE, "DELETE", `/v2.0/subnets/${subnet.id}`, { subnet: {} }),
        400,
        "HTTPBadRequest",
        "Request body is not supported in DELETE.",
      );
    });

    it("accepts an empty JSON body on DELETE", async () => {
      const created = await api.call(ALICE, "POST", "/v2.0/networks", { network: { name: "e" } });
      const id = (created.body.network as { id: string }).id;
      const removed = await api.call(ALICE, "DELETE", `/v2.0/networks/${id}`, "");
      assert.equal(removed.status, 204, JSON.stringify(removed.body));
    });

    it("rejects a huge body with 413", async () => {
      const huge = await api.call(ALICE, "POST", "/v2.0/networks", {
        network: { name: "x", description: "y".repeat(200_000) },
      });
      assertNeutronError(huge, 413, "HTTPRequestEntityTooLarge", "Request is too large.");
      const long = await api.call(ALICE, "POST", "/v2.0/networks", {
        network: { description: "z".repeat(256) },
      });
      assertNeutronError(long, 400, "HTTPBadRequest");
      const still = await api.call(ALICE, "GET", `/v2.0/networks/${network.id}`);
      assert.equal(still.status, 200);
      assert.equal((still.body.network as Item).name, "keep");
    });

    it("rejects unknown paths and methods", async () => {
      assertNeutronError(await api.call(ALICE, "GET", "/v2.0/trunks"), 404, "HTTPNotFound");
      assertNeutronError(
        await api.call(ALICE, "PUT", "/v2.0/networks", { network: {} }),
        405,
        "HTTPMethodNotAllowed",
      );
      assertNeutronError(
        await api.call(ALICE, "GET", "/v2.0/networks/7c9d8e80-0000-4000-8000-000000000000"),
        404,
        "NetworkNotFound",
      );
      assertNeutronError(
        await api.call(ALICE, "GET", "/v2.0/extensions/routers"),
        404,
        "HTTPNotFound",
      );
    });
  });
}
