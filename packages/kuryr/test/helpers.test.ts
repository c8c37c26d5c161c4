import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cidrContains, firstFreeBlock, parseCidr, withPrefixLength } from "../src/cidr.js";
import { portRanges } from "../src/exposure/port-ranges.js";
import { formatPoolId, parsePoolId } from "../src/ipam/pool-id.js";
import { bridgeName, containerVethName, hostVethName, idTags } from "../src/naming.js";
import { parseOpenrc } from "../src/neutron/openrc.js";

describe("cidr", () => {
  test("parse clears host bits", () => {
    assert.equal(parseCidr("10.77.0.9/24")?.text, "10.77.0.0/24");
    assert.equal(parseCidr("fd77:0:0:0::5/64")?.text, "fd77::/64");
    assert.equal(parseCidr("10.0.0.0/33"), null);
    assert.equal(parseCidr("nonsense"), null);
  });

  test("first free block skips used prefixes", () => {
    const outer = parseCidr("10.10.0.0/16");
    assert.ok(outer);
    const used = ["10.10.0.0/24", "10.10.2.0/23"]
      .map((text) => parseCidr(text))
      .filter((c) => c !== null);
    assert.equal(firstFreeBlock(outer, 24, used)?.text, "10.10.1.0/24");
    const busy = [parseCidr("10.10.0.0/17"), parseCidr("10.10.128.0/17")].filter((c) => c !== null);
    assert.equal(firstFreeBlock(outer, 24, busy), null);
    const v6 = parseCidr("fd10::/48");
    assert.ok(v6);
    assert.equal(firstFreeBlock(v6, 64, [])?.text, "fd10::/64");
  });

  test("containment and prefix length", () => {
    const outer = parseCidr("10.0.0.0/8");
    const inner = parseCidr("10.1.0.0/16");
    assert.ok(outer);
    assert.ok(inner);
    assert.equal(cidrContains(outer, inner), true);
    assert.equal(cidrContains(inner, outer), false);
    assert.equal(withPrefixLength("10.1.0.7", inner), "10.1.0.7/16");
  });
});

describe("pool id", () => {
  test("round trip with a CIDR", () => {
    const cidr = parseCidr("fd77::/64");
    assert.ok(cidr);
    const id = formatPoolId("6f1c3b2e-0000-4000-8000-000000000001", cidr);
    assert.deepEqual(parsePoolId(id), {
      subnetPoolId: "6f1c3b2e-0000-4000-8000-000000000001",
      cidr,
    });
  });

  test("upstream bare pool id", () => {
    assert.deepEqual(parsePoolId("6f1c3b2e-0000-4000-8000-000000000001"), {
      subnetPoolId: "6f1c3b2e-0000-4000-8000-000000000001",
      cidr: null,
    });
  });

  test("foreign ids are rejected", () => {
    assert.throws(() => parsePoolId("probe_local/10.77.0.0/24"), /Invalid PoolID/);
    assert.throws(() => parsePoolId("6f1c3b2e/not-a-cidr"), /Invalid PoolID/);
  });
});

describe("port ranges", () => {
  test("one rule per protocol and run", () => {
    const ranges = portRanges([
      { proto: 6, port: 81 },
      { proto: 6, port: 80 },
      { proto: 6, port: 9090 },
      { proto: 6, port: 80 },
      { proto: 17, port: 53 },
      { proto: 6, port: 82 },
    ]);
    assert.deepEqual(ranges, [
      { protocol: "tcp", min: 80, max: 82 },
      { protocol: "tcp", min: 9090, max: 9090 },
      { protocol: "udp", min: 53, max: 53 },
    ]);
  });

  test("unknown protocol number", () => {
    assert.throws(() => portRanges([{ proto: 99, port: 1 }]), /Bad protocol number 99/);
  });
});

describe("naming", () => {
  test("upstream names and tags", () => {
    const id = "107ae6dafb504e34f92528ce268b5076788d991c93cca418986e31e9e4d6d3c4";
    assert.deepEqual(idTags(id), [
      "kuryr.net.uuid.lh:107ae6dafb504e34f92528ce268b5076",
      "kuryr.net.uuid.uh:788d991c93cca418986e31e9e4d6d3c4",
    ]);
    const port = "654d229c-e725-4b35-9b49-2ebc91212c5e";
    assert.equal(hostVethName(port), "tap654d229c-e7");
    assert.equal(containerVethName(port), "t_c654d229c-e7");
    assert.equal(bridgeName("kbr", port), "kbr654d229ce72");
  });
});

describe("openrc", () => {
  test("exports with and without quotes", () => {
    const values = parseOpenrc(
      [
        "# written by the stack",
        "export OS_AUTH_URL=http://127.0.0.1:5000/v3",
        "export OS_PASSWORD='s3cr=t'",
        "export OS_PROJECT_NAME='it'\\''s'",
        'OS_USERNAME="admin"',
        "export PATH=/usr/bin",
      ].join("\n"),
    );
    assert.deepEqual(values, {
      OS_AUTH_URL: "http://127.0.0.1:5000/v3",
      OS_PASSWORD: "s3cr=t",
      OS_PROJECT_NAME: "it's",
      OS_USERNAME: "admin",
    });
  });
});
