import { isoSeconds } from "@openstack-ts/kernel";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { baseUrlFor, type HrefSettings } from "../api/hrefs.js";
import { rejectOtherMethods } from "../api/method-not-allowed.js";
import { cleanPage, type PagingLimits, pageLinks } from "../api/paging.js";
import { parseJsonBody, queryValue, requireMediaType } from "../api/request-body.js";
import type { ContainersService } from "../containers/containers-service.js";
import type { ContainerRecord } from "../containers/containers-types.js";
import { containerView } from "../containers/containers-view.js";
import type { SecretsService } from "../secrets/secrets-service.js";
import type { SecretRecord } from "../secrets/secrets-types.js";
import { secretView } from "../secrets/secrets-view.js";
import type { ConsumerParent, ConsumersService } from "./consumers-service.js";
import type { ConsumerKind, ConsumerRecord } from "./consumers-types.js";
import { validateContainerConsumer, validateSecretConsumer } from "./consumers-validation.js";

export interface ConsumerRoutesDependencies {
  consumers: ConsumersService;
  containers: Pick<ContainersService, "load">;
  secrets: Pick<SecretsService, "load">;
  hrefs: HrefSettings;
  paging: PagingLimits;
  maxRequestBytes: number;
}

/** Parent loading and response rendering of one consumer kind. */
interface KindSpec {
  kind: ConsumerKind;
  collection: string;
  /** Prefix of policy actions: `container_consumers` or `secret_consumers`. */
  policy: string;
  /** Operation name prefix in messages: `ContainerConsumer` or `SecretConsumer`. */
  label: string;
  validate(body: unknown): string[];
  /** Field names of a consumer in responses, in the order of `ConsumerRecord.fields`. */
  fieldNames: string[];
  load(request: FastifyRequest, action: string, operation: string): Promise<ConsumerParent>;
  /** The parent's JSON, returned after a registration or a removal. */
  render(request: FastifyRequest, parent: ConsumerParent): Promise<Record<string, unknown>>;
}

type Params = { Params: { id: string } };
type ItemParams = { Params: { id: string; consumer_id: string } };

/** Registers `/v1/containers/{id}/consumers[/{id}]` and `/v1/secrets/{id}/consumers[/{id}]`. */
export function registerConsumerRoutes(
  app: FastifyInstance,
  dependencies: ConsumerRoutesDependencies,
): void {
  for (const spec of kindSpecs(dependencies)) {
    registerKind(app, dependencies, spec);
  }
}

function kindSpecs(dependencies: ConsumerRoutesDependencies): KindSpec[] {
  const { consumers, containers, secrets, hrefs } = dependencies;
  const paramId = (request: FastifyRequest) => (request.params as { id: string }).id;
  return [
    {
      kind: "container",
      collection: "containers",
      policy: "container_consumers",
      label: "ContainerConsumer",
      validate: validateContainerConsumer,
      fieldNames: ["name", "URL"],
      load: (request, action, operation) =>
        containers.load(request.auth, paramId(request), action, operation),
      render: async (request, parent) => {
        const container = parent as ContainerRecord;
        const list = await consumers.all("container", container.id);
        const summary = list.map((item) => ({
          name: item.fields[0] ?? "",
          URL: item.fields[1] ?? "",
        }));
        return containerView(container, baseUrlFor(hrefs, request), summary);
      },
    },
    {
      kind: "secret",
      collection: "secrets",
      policy: "secret_consumers",
      label: "SecretConsumer",
      validate: validateSecretConsumer,
      fieldNames: ["service", "resource_type", "resource_id"],
      load: (request, action, operation) =>
        secrets.load(request.auth, paramId(request), action, operation),
      render: async (request, parent) => {
        const secret = parent as SecretRecord;
        const list = await consumers.all("secret", secret.id);
        const views = list.map((item) => ({
          service: item.fields[0] ?? "",
          resource_type: item.fields[1] ?? "",
          resource_id: item.fields[2] ?? "",
        }));
        // Upstream renders the secret's stored fields here, without `content_types`.
        const { content_types: _omitted, ...view } = secretView(
          secret,
          baseUrlFor(hrefs, request),
          views,
        );
        return view;
      },
    },
  ];
}

function registerKind(
  app: FastifyInstance,
  dependencies: ConsumerRoutesDependencies,
  spec: KindSpec,
): void {
  const { consumers, hrefs, maxRequestBytes } = dependencies;
  const url = `/v1/${spec.collection}/:id/consumers`;

  app.get<Params>(url, async (request) => {
    const parent = await spec.load(request, `${spec.policy}:get`, `${spec.label}s(s) retrieval`);
    const page = cleanPage(
      queryValue(request, "offset"),
      queryValue(request, "limit"),
      dependencies.paging,
    );
    const { consumers: list, total } = await consumers.list(spec.kind, parent.id, page);
    const views = list.map((consumer) => consumerView(consumer, spec.fieldNames));
    if (views.length === 0) {
      return { consumers: [], total };
    }
    const base = baseUrlFor(hrefs, request);
    const links = pageLinks(
      `${base}/v1/${spec.collection}/${parent.id}/consumers`,
      page,
      total,
      "",
    );
    return { consumers: views, ...links, total };
  });

  app.post<Params>(url, async (request, reply) => {
    const parent = await spec.load(request, `${spec.policy}:post`, `${spec.label} creation`);
    requireMediaType(request, ["application/json"]);
    const fields = spec.validate(parseJsonBody(request, maxRequestBytes));
    await consumers.register(spec.kind, request.auth, parent, fields);
    const location = `${baseUrlFor(hrefs, request)}/v1/consumers/${parent.id}/consumers`;
    return reply.header("location", location).send(await spec.render(request, parent));
  });

  app.delete<Params>(url, async (request) => {
    const parent = await spec.load(request, `${spec.policy}:delete`, `${spec.label} deletion`);
    const fields = spec.validate(parseJsonBody(request, maxRequestBytes));
    await consumers.remove(spec.kind, request.auth, parent, fields);
    return spec.render(request, parent);
  });
  rejectOtherMethods(app, url, ["GET", "POST", "DELETE"]);

  const item = `${url}/:consumer_id`;
  app.get<ItemParams>(item, async (request) => {
    const parent = await spec.load(request, "consumer:get", `${spec.label} retrieval`);
    const consumer = await consumers.get(spec.kind, parent.id, request.params.consumer_id);
    return consumerView(consumer, spec.fieldNames);
  });
  rejectOtherMethods(app, item, ["GET"]);
}

function consumerView(consumer: ConsumerRecord, fieldNames: string[]): Record<string, unknown> {
  const view: Record<string, unknown> = {
    created: isoSeconds(consumer.createdAt),
    updated: isoSeconds(consumer.updatedAt),
    status: consumer.status,
  };
  fieldNames.forEach((name, index) => {
    view[name] = consumer.fields[index];
  });
  return view;
}
