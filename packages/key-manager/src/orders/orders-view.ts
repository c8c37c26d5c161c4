import { isoSeconds } from "@openstack-ts/kernel";
import { secretHref } from "../api/hrefs.js";
import { containerHref } from "../containers/containers-view.js";
import type { OrderRecord } from "./orders-types.js";

/** Renders an order as upstream does: optional fields only when set. */
export function orderView(order: OrderRecord, baseUrl: string): Record<string, unknown> {
  const view: Record<string, unknown> = {
    created: isoSeconds(order.createdAt),
    updated: isoSeconds(order.updatedAt),
    status: order.status,
    type: order.type,
    meta: order.meta,
  };
  const optional: [string, string | null][] = [
    ["error_status_code", order.errorStatusCode],
    ["error_reason", order.errorReason],
    ["sub_status", order.subStatus],
    ["sub_status_message", order.subStatusMessage],
    ["creator_id", order.creatorId],
  ];
  for (const [key, value] of optional) {
    if (value !== null && value !== "") {
      view[key] = value;
    }
  }
  if (order.secretId !== null) {
    view.secret_ref = secretHref(baseUrl, order.secretId);
  }
  view.order_ref = `${baseUrl}/v1/orders/${order.id}`;
  if (order.containerId !== null) {
    view.container_ref = containerHref(baseUrl, order.containerId);
  }
  return view;
}
