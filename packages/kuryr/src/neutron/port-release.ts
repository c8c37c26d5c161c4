import type { Logger } from "@openstack-ts/kernel";
import {
  DEVICE_OWNER,
  PORT_EXISTING_TAG,
  securityGroupName,
  UNBOUND_PORT_NAME,
} from "../naming.js";
import type { NeutronClient } from "./neutron-client.js";
import type { NeutronPort } from "./neutron-types.js";

/**
 * Gives a container's address back: a port the plugin made is deleted with any exposed-ports
 * group left behind, and a user's port it adopted is reset (owner, host, device) and untagged.
 * Ports of anyone else are left alone.
 */
export async function releasePort(
  neutron: NeutronClient,
  port: NeutronPort,
  logger: Logger,
): Promise<void> {
  const tags = port.tags ?? [];
  if (tags.includes(PORT_EXISTING_TAG)) {
    const reset: Record<string, unknown> = { device_owner: "", "binding:host_id": "" };
    if (port.device_id !== "" && port.name.startsWith(port.device_id)) {
      reset.device_id = "";
    }
    await neutron.ports.update(port.id, reset);
    await neutron.removeTag("ports", port.id, PORT_EXISTING_TAG);
    logger.info({ port: port.id }, "existing port released");
    return;
  }
  const ours =
    tags.includes(DEVICE_OWNER) ||
    port.device_owner === DEVICE_OWNER ||
    port.name === UNBOUND_PORT_NAME;
  if (!ours) {
    return;
  }
  // Neutron deletes the group only once the port is gone, but the lookup need not wait for that.
  const [groups] = await Promise.all([
    neutron.securityGroups.list({ name: securityGroupName(port.id) }),
    neutron.ports.remove(port.id),
  ]);
  for (const group of groups) {
    await neutron.securityGroups.remove(group.id);
  }
  logger.info({ port: port.id }, "port deleted");
}
