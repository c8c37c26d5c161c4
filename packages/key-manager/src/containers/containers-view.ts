import { isoSeconds } from "@openstack-ts/kernel";
import { secretHref } from "../api/hrefs.js";
import type { ContainerConsumerSummary, ContainerRecord } from "./containers-types.js";

/** Returns `<base>/v1/containers/<id>`. */
export function containerHref(base: string, containerId: string): string {
  return `${base}/v1/containers/${containerId}`;
}

/** Renders a container as upstream does, in its key order. */
export function containerView(
  container: ContainerRecord,
  baseUrl: string,
  consumers: ContainerConsumerSummary[],
): Record<string, unknown> {
  return {
    created: isoSeconds(container.createdAt),
    updated: isoSeconds(container.updatedAt),
    status: container.status,
    name: container.name,
    type: container.type,
    creator_id: container.creatorId,
    secret_refs: container.secretRefs.map((ref) => ({
      name: ref.name,
      secret_ref: secretHref(baseUrl, ref.secretId),
    })),
    consumers,
    container_ref: containerHref(baseUrl, container.id),
  };
}
