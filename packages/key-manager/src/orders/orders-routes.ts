import type { FastifyInstance } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { cleanPage, type PagingLimits, pageLinks } from "../api/paging.js";
import { parseJsonBody, queryValue, requireMediaType } from "../api/request-body.js";
import { errors } from "../errors.js";
import type { OrdersService } from "./orders-service.js";
import { validateNewOrder } from "./orders-validation.js";
import { orderView } from "./orders-view.js";

export interface OrderRoutesDependencies {
  service: OrdersService;
  hrefs: HrefSettings;
  paging: PagingLimits;
  maxRequestBytes: number;
}

type Params = { Params: { id: string } };

/** Registers `/v1/orders` and `/v1/orders/{id}`. */
export function registerOrderRoutes(app: FastifyInstance, dependencies: OrderRoutesDependencies) {
  const { service, hrefs } = dependencies;

  app.post("/v1/orders", async (request, reply) => {
    service.authorizeCollection(request.auth, "orders:post", "Order creation");
    requireMediaType(request, ["application/json"]);
    const order = await service.create(
      request.auth,
      validateNewOrder(parseJsonBody(request, dependencies.maxRequestBytes)),
    );
    const href = `${baseUrlFor(hrefs, request)}/v1/orders/${order.id}`;
    return reply.code(202).header("location", href).send({ order_ref: href });
  });

  app.get("/v1/orders", async (request) => {
    service.authorizeCollection(request.auth, "orders:get", "Order(s) retrieval");
    const page = cleanPage(
      queryValue(request, "offset"),
      queryValue(request, "limit"),
      dependencies.paging,
    );
    const { orders, total } = await service.list(request.auth.projectId ?? "", page);
    if (orders.length === 0) {
      return { orders: [], total };
    }
    const base = baseUrlFor(hrefs, request);
    const links = pageLinks(`${base}/v1/orders`, page, total, "");
    return { orders: orders.map((order) => orderView(order, base)), ...links, total };
  });

  app.put("/v1/orders", async (request) => {
    service.authorizeCollection(request.auth, "orders:put", "Order update");
    throw errors.create("ORDER_UPDATE_NOT_SUPPORTED");
  });
  rejectOtherMethods(app, "/v1/orders", ["GET", "POST", "PUT"]);

  app.get<Params>("/v1/orders/:id", async (request) => {
    const order = await service.load(
      request.auth,
      request.params.id,
      "order:get",
      "Order retrieval",
    );
    return orderView(order, baseUrlFor(hrefs, request));
  });

  app.delete<Params>("/v1/orders/:id", async (request, reply) => {
    const order = await service.load(
      request.auth,
      request.params.id,
      "order:delete",
      "Order deletion",
    );
    await service.delete(order);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, "/v1/orders/:id", ["GET", "DELETE"]);
}
