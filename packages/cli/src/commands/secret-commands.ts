import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { createKeyManagerClient, type SecretBody } from "../client/key-manager-client.js";
import { openSession } from "../client/session.js";
import { type Column, formatList, formatOne, selectColumns } from "../output/formatters.js";
import {
  addFormatOptions,
  type CliContext,
  CommandError,
  type FormatOptions,
  outputFormat,
  UsageError,
} from "./cli-context.js";

/** Columns of a secret, with the labels python-barbicanclient 5.4 uses. */
export const SECRET_COLUMNS: Column[] = [
  { label: "Secret href", field: "secret_ref" },
  { label: "Name", field: "name" },
  { label: "Created", field: "created" },
  { label: "Status", field: "status" },
  { label: "Content types", field: "content_types" },
  { label: "Algorithm", field: "algorithm" },
  { label: "Bit length", field: "bit_length" },
  { label: "Secret type", field: "secret_type" },
  { label: "Mode", field: "mode" },
  { label: "Expiration", field: "expiration" },
];

export const PAYLOAD_COLUMNS: Column[] = [{ label: "Payload", field: "payload" }];

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Registers `secret store|get|list|delete|update`, with python-barbicanclient's options. */
export function registerSecretCommands(program: Command, context: CliContext): void {
  const secret = program.command("secret").description("manage secrets of the key manager");

  addFormatOptions(
    secret
      .command("store")
      .description("store a secret")
      .option("-n, --name <name>", "a human-friendly name")
      .option("-p, --payload <payload>", "the unencrypted secret data")
      .option("-F, --file <filename>", "file containing the secret payload")
      .option(
        "-s, --secret-type <type>",
        "symmetric, public, private, certificate, passphrase or opaque",
        "opaque",
      )
      .option("-t, --payload-content-type <type>", "type of the payload, such as text/plain")
      .option("-e, --payload-content-encoding <encoding>", "base64, required for binary types")
      .option("-a, --algorithm <algorithm>", "algorithm of the secret", "aes")
      .option("-b, --bit-length <bits>", "bit length of the secret", "256")
      .option("-m, --mode <mode>", "algorithm mode", "cbc")
      .option("-x, --expiration <time>", "expiration time in ISO 8601 format"),
  ).action(async (options: StoreOptions & FormatOptions) => {
    const format = outputFormat(options);
    const columns = selectColumns(SECRET_COLUMNS, options.column);
    const request = storeRequest(options);
    const client = createKeyManagerClient(await openSession(context.connection(), "key-manager"));
    const href = await client.storeSecret(request);
    context.write(formatOne(columns, storedRecord(href, request), format));
  });

  addFormatOptions(
    secret
      .command("get")
      .description("show a secret's metadata, or its payload with --payload")
      .argument("<URI>", "the secret's href or id")
      .option("-p, --payload", "show the payload instead of the metadata")
      .option("-d, --decrypt", "same as --payload")
      .option("-F, --file <filename>", "write the payload to this file")
      .option(
        "-t, --payload-content-type <type>",
        "content type to ask the payload as",
        "text/plain",
      ),
  ).action(async (uri: string, options: GetOptions & FormatOptions) => {
    const format = outputFormat(options);
    const secretId = secretIdOf(uri);
    const client = createKeyManagerClient(await openSession(context.connection(), "key-manager"));
    if (options.payload === true || options.decrypt === true || options.file !== undefined) {
      const columns = selectColumns(PAYLOAD_COLUMNS, options.column);
      const payload = await client.getPayload(secretId, options.payloadContentType);
      if (options.file !== undefined) {
        writeFileSync(options.file, payload);
        return;
      }
      context.write(formatOne(columns, { payload: payload.toString("utf8") }, format));
      return;
    }
    const columns = selectColumns(SECRET_COLUMNS, options.column);
    context.write(formatOne(columns, displayRecord(await client.getSecret(secretId)), format));
  });

  addFormatOptions(
    secret
      .command("list")
      .description("list secrets")
      .option("-l, --limit <count>", "maximum number of secrets", "10")
      .option("-o, --offset <count>", "number of secrets to skip", "0")
      .option("-n, --name <name>", "secret name filter")
      .option("-a, --algorithm <algorithm>", "algorithm filter")
      .option("-b, --bit-length <bits>", "bit length filter", "0")
      .option("-m, --mode <mode>", "mode filter")
      .option("-s, --secret-type <type>", "secret type filter"),
  ).action(async (options: ListOptions & FormatOptions) => {
    const format = outputFormat(options);
    const columns = selectColumns(SECRET_COLUMNS, options.column);
    const client = createKeyManagerClient(await openSession(context.connection(), "key-manager"));
    const secrets = await client.listSecrets(listQuery(options));
    context.write(formatList(columns, secrets.map(displayRecord), format));
  });

  secret
    .command("delete")
    .description("delete a secret")
    .argument("<URI>", "the secret's href or id")
    .option("-f, --force", "delete the secret even if it has consumers")
    .action(async (uri: string, options: { force?: boolean }) => {
      const secretId = secretIdOf(uri);
      const client = createKeyManagerClient(await openSession(context.connection(), "key-manager"));
      await client.deleteSecret(secretId, options.force === true);
    });

  secret
    .command("update")
    .description("store the payload of a secret created without one")
    .argument("<URI>", "the secret's href or id")
    .argument("<payload>", "the unencrypted secret data")
    .action(async (uri: string, payload: string) => {
      const secretId = secretIdOf(uri);
      const client = createKeyManagerClient(await openSession(context.connection(), "key-manager"));
      await client.putPayload(secretId, payload);
    });
}

interface StoreOptions {
  name?: string;
  payload?: string;
  file?: string;
  secretType: string;
  payloadContentType?: string;
  payloadContentEncoding?: string;
  algorithm: string;
  bitLength: string;
  mode: string;
  expiration?: string;
}

interface GetOptions {
  payload?: boolean;
  decrypt?: boolean;
  file?: string;
  payloadContentType: string;
}

interface ListOptions {
  limit: string;
  offset: string;
  name?: string;
  algorithm?: string;
  bitLength: string;
  mode?: string;
  secretType?: string;
}

/**
 * Builds the creation request as python-barbicanclient does: a payload without a content type
 * is sent base64-encoded as application/octet-stream.
 */
function storeRequest(options: StoreOptions): Record<string, unknown> {
  if (options.payload !== undefined && options.file !== undefined) {
    throw new UsageError("argument -F/--file: not allowed with argument -p/--payload");
  }
  const bitLength = Number(options.bitLength);
  if (!Number.isInteger(bitLength)) {
    throw new UsageError(`argument -b/--bit-length: invalid int value: '${options.bitLength}'`);
  }
  const request: Record<string, unknown> = {};
  if (options.name !== undefined) {
    request.name = options.name;
  }
  Object.assign(request, {
    algorithm: options.algorithm,
    mode: options.mode,
    bit_length: bitLength,
    secret_type: options.secretType,
  });
  const payload =
    options.file !== undefined
      ? readFileSync(options.file)
      : options.payload === undefined
        ? undefined
        : Buffer.from(options.payload, "utf8");
  if (payload !== undefined) {
    if (options.payloadContentType === undefined) {
      request.payload = payload.toString("base64");
      request.payload_content_type = "application/octet-stream";
      request.payload_content_encoding = "base64";
    } else {
      request.payload =
        options.file !== undefined && options.payloadContentEncoding === "base64"
          ? payload.toString("base64")
          : payload.toString("utf8");
      request.payload_content_type = options.payloadContentType;
      if (options.payloadContentEncoding !== undefined) {
        request.payload_content_encoding = options.payloadContentEncoding;
      }
    }
  }
  if (options.expiration !== undefined) {
    request.expiration = options.expiration;
  }
  return request;
}

/** Returns the record `secret store` prints: what was sent, as python-barbicanclient shows it. */
function storedRecord(href: string, request: Record<string, unknown>): Record<string, unknown> {
  return {
    secret_ref: href,
    name: request.name ?? null,
    created: null,
    status: null,
    content_types: null,
    algorithm: request.algorithm,
    bit_length: request.bit_length,
    secret_type: request.secret_type,
    mode: request.mode,
    expiration: request.expiration ?? null,
  };
}

/** Returns a secret as python-barbicanclient displays it, with an explicit UTC offset on times. */
function displayRecord(secret: SecretBody): Record<string, unknown> {
  return {
    ...secret,
    created: withUtcOffset(secret.created ?? null),
    expiration: withUtcOffset(secret.expiration),
  };
}

function withUtcOffset(time: string | null): string | null {
  if (time === null) {
    return null;
  }
  return /(Z|[+-]\d\d:\d\d)$/.test(time) ? time.replace(/Z$/, "+00:00") : `${time}+00:00`;
}

function listQuery(options: ListOptions): URLSearchParams {
  const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
  if (options.name !== undefined) {
    query.set("name", options.name);
  }
  if (options.algorithm !== undefined) {
    query.set("alg", options.algorithm);
  }
  if (options.mode !== undefined) {
    query.set("mode", options.mode);
  }
  if (Number(options.bitLength) > 0) {
    query.set("bits", options.bitLength);
  }
  if (options.secretType !== undefined) {
    query.set("secret_type", options.secretType);
  }
  return query;
}

/** Returns the secret id from an href or a bare id, as python-barbicanclient accepts both. */
function secretIdOf(uri: string): string {
  const last = uri.replace(/\/+$/, "").split("/").pop() ?? "";
  if (!UUID_PATTERN.test(last)) {
    throw new CommandError("Secret incorrectly specified.");
  }
  return last;
}
