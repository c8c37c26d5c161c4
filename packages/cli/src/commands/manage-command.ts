import type { Command } from "commander";
import { type CliContext, CommandError, UsageError } from "./cli-context.js";

type KeyManager = typeof import("@openstack-ts/key-manager");
type KeyManagerConfig = import("@openstack-ts/key-manager").KeyManagerConfig;

interface ManageOptions {
  config?: string;
}

interface HsmOptions {
  libraryPath?: string;
  tokenLabel?: string;
  pin?: string;
  label?: string;
  length?: string;
}

/**
 * Registers `manage`: maintenance of the key manager's database, master key and HSM keys, as
 * `barbican-manage` offers them. Every subcommand reads the `key_manager` configuration from
 * `--config` (or `OSTS_CONFIG`) and `OSTS_KEY_MANAGER__*` variables.
 */
export function registerManageCommand(program: Command, context: CliContext): void {
  const manage = program
    .command("manage")
    .description("maintain the key manager: database, master key, HSM keys")
    .option("--config <file>", "YAML configuration file (default: $OSTS_CONFIG)");
  const configOf = () => loadConfig(manage.opts<ManageOptions>(), context);
  registerDatabaseCommands(manage, context, configOf);
  registerMasterKeyCommands(manage, context, configOf);
  registerHsmCommands(manage, context, configOf);
}

type ConfigLoader = () => Promise<{ km: KeyManager; config: KeyManagerConfig }>;

async function loadConfig(options: ManageOptions, context: CliContext) {
  const km = await import("@openstack-ts/key-manager");
  const config = km.loadKeyManagerConfig({ file: options.config, env: context.env });
  return { km, config };
}

/** Opens the key manager's database for one command and closes it afterwards. */
async function withDatabase<T>(
  config: KeyManagerConfig,
  action: (
    database: import("@openstack-ts/kernel").Database<
      import("@openstack-ts/key-manager").KeyManagerDatabase
    >,
  ) => Promise<T>,
): Promise<T> {
  const { openDatabase } = await import("@openstack-ts/kernel");
  const database = openDatabase<import("@openstack-ts/key-manager").KeyManagerDatabase>(
    config.database.url,
  );
  try {
    return await action(database);
  } finally {
    await database.close();
  }
}

function registerDatabaseCommands(manage: Command, context: CliContext, configOf: ConfigLoader) {
  const db = manage.command("db").description("database schema and cleanup");

  db.command("upgrade")
    .description("apply every pending migration")
    .action(async () => {
      const { km, config } = await configOf();
      await withDatabase(config, async (database) => {
        const steps = await km.upgradeDatabase(database.db, config.database.url);
        context.write(
          steps.length === 0
            ? "database is up to date\n"
            : steps.map((step) => `applied ${step.migrationName}\n`).join(""),
        );
      });
    });

  db.command("status")
    .description("list migrations and whether each is applied")
    .action(async () => {
      const { km, config } = await configOf();
      await withDatabase(config, async (database) => {
        for (const step of await km.migrationStatus(database.db, config.database.url)) {
          context.write(`${step.name} ${step.applied ? "applied" : "pending"}\n`);
        }
      });
    });

  db.command("clean")
    .description("purge soft-deleted rows older than --min-days")
    .option("-m, --min-days <days>", "purge rows deleted at least this many days ago", "90")
    .option("-e, --soft-delete-expired-secrets", "soft-delete expired secrets first")
    .option("-p, --clean-unassociated-projects", "remove keys of projects with nothing left")
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const minDays = Number(options.minDays);
      if (!Number.isInteger(minDays) || minDays < 0) {
        throw new UsageError(`--min-days must be a whole number of days, got '${options.minDays}'`);
      }
      const { km, config } = await configOf();
      await withDatabase(config, async (database) => {
        const result = await km.cleanDatabase(database.db, {
          minDays,
          softDeleteExpiredSecrets: options.softDeleteExpiredSecrets === true,
          cleanUnassociatedProjects: options.cleanUnassociatedProjects === true,
        });
        for (const [name, count] of Object.entries(result)) {
          context.write(`${name}: ${count}\n`);
        }
      });
    });

  db.command("sync-secret-stores")
    .description("record the configured secret stores in the database")
    .action(async () => {
      const { km, config } = await configOf();
      const { createLogger } = await import("@openstack-ts/kernel");
      await withDatabase(config, async (database) => {
        await km.syncStoreRows(config, database, createLogger({ level: "warn" }));
        context.write(`${config.secret_stores.stores.length} secret stores recorded\n`);
      });
    });
}

function registerMasterKeyCommands(manage: Command, context: CliContext, configOf: ConfigLoader) {
  const masterKey = manage
    .command("master-key")
    .description("rotate the software store's master key and rewrap project keys");

  masterKey
    .command("rotate")
    .description("add a new master key to the key file and make it active")
    .action(async () => {
      const { km, config } = await configOf();
      requireKeyFile(config);
      const result = km.rotateMasterKeyFile(km.masterKeyFile(config, context.env));
      context.write(
        `master key version ${result.active} is active (was ${result.previous}); restart the key manager processes, then run: openstack-ts manage master-key rewrap\n`,
      );
    });

  masterKey
    .command("rewrap")
    .description("wrap every project key with the active master key")
    .option("--dry-run", "check that every key unwraps and count them, changing nothing")
    .option("--batch-size <count>", "keys per query", "100")
    .action(async (options: { dryRun?: boolean; batchSize: string }) => {
      const { km, config } = await configOf();
      const keyring = km.loadMasterKeyring({
        masterKey: config.crypto.master_key,
        masterKeyVersion: config.crypto.master_key_version,
        file: km.masterKeyFile(config, context.env),
      });
      await withDatabase(config, async (database) => {
        const result = await km.rewrapProjectKeys(database.db, keyring, {
          dryRun: options.dryRun === true,
          batchSize: positiveInteger(options.batchSize, "--batch-size"),
          onProgress: (progress) => context.write(`rewrapped ${progress.rewrapped}\n`),
        });
        const verb = options.dryRun === true ? "would rewrap" : "rewrapped";
        context.write(
          `${verb} ${result.rewrapped} project keys to master key version ${keyring.activeVersion}; ${result.remaining} still on older versions\n`,
        );
      });
    });

  masterKey
    .command("status")
    .description("count project keys by the master key version that wraps them")
    .action(async () => {
      const { km, config } = await configOf();
      await withDatabase(config, async (database) => {
        const counts = await km.countByMasterVersion(database.db);
        for (const [version, count] of Object.entries(counts)) {
          context.write(`version ${version}: ${count} project keys\n`);
        }
      });
    });
}

function registerHsmCommands(manage: Command, context: CliContext, configOf: ConfigLoader) {
  const hsm = manage.command("hsm").description("master and HMAC keys in a PKCS#11 HSM");
  const withHsmOptions = (command: Command) =>
    command
      .option("--library-path <path>", "PKCS#11 module (default: pkcs11.library_path)")
      .option("--token-label <label>", "token to use (default: pkcs11.token_label)")
      .option("--pin <pin>", "user PIN (default: pkcs11.pin)")
      .option("--label <label>", "key label (default: pkcs11.mkek_label or hmac_label)");

  const keyCommands: [string, "aes" | "hmac", "generate" | "check"][] = [
    ["gen-mkek", "aes", "generate"],
    ["check-mkek", "aes", "check"],
    ["gen-hmac", "hmac", "generate"],
    ["check-hmac", "hmac", "check"],
  ];
  for (const [name, type, action] of keyCommands) {
    const command = withHsmOptions(hsm.command(name)).description(
      `${action === "generate" ? "create" : "check"} the ${type === "aes" ? "master" : "HMAC"} key`,
    );
    if (action === "generate") {
      command.option("--length <bytes>", "key length in bytes", "32");
    }
    command.action(async (options: HsmOptions) => {
      const { km, config } = await configOf();
      const label =
        options.label ?? (type === "aes" ? config.pkcs11.mkek_label : config.pkcs11.hmac_label);
      const session = km.HsmSession.open(hsmSettings(config, options));
      try {
        if (action === "check") {
          if (session.findKey(label, type) === undefined) {
            throw new CommandError(
              `no ${type === "aes" ? "master" : "HMAC"} key labelled "${label}"`,
            );
          }
          context.write(`key "${label}" is present\n`);
          return;
        }
        const length = positiveInteger(options.length ?? "32", "--length");
        const created =
          type === "aes"
            ? km.generateMasterKey(session, label, length)
            : km.generateHmacKey(session, label, length);
        context.write(created ? `created key "${label}"\n` : `key "${label}" already exists\n`);
      } finally {
        session.close();
      }
    });
  }

  withHsmOptions(hsm.command("rewrap"))
    .description("wrap every HSM project key with the master key --to-label")
    .requiredOption("--to-label <label>", "master key that wraps the project keys afterwards")
    .option("--dry-run", "check that every key unwraps and count them, changing nothing")
    .action(async (options: HsmOptions & { toLabel: string; dryRun?: boolean }) => {
      const { km, config } = await configOf();
      const session = km.HsmSession.open(hsmSettings(config, options));
      try {
        await withDatabase(config, async (database) => {
          const result = await km.rewrapHsmProjectKeys(
            database.db,
            session,
            { toLabel: options.toLabel, hmacLabel: config.pkcs11.hmac_label },
            { dryRun: options.dryRun === true },
          );
          const remaining = Object.values(result.remaining).reduce((sum, count) => sum + count, 0);
          context.write(
            `${options.dryRun === true ? "would rewrap" : "rewrapped"} ${result.rewrapped} project keys to "${options.toLabel}"; ${remaining} still wrapped by other keys\n`,
          );
        });
      } finally {
        session.close();
      }
    });
}

function hsmSettings(config: KeyManagerConfig, options: HsmOptions) {
  return {
    libraryPath: options.libraryPath ?? config.pkcs11.library_path,
    tokenLabel: options.tokenLabel ?? config.pkcs11.token_label,
    slotId: config.pkcs11.slot_id,
    pin: options.pin ?? config.pkcs11.pin,
  };
}

function requireKeyFile(config: KeyManagerConfig): void {
  if (config.crypto.master_key !== "") {
    throw new CommandError(
      "crypto.master_key is set in the configuration, so there is no key file to rotate; set a new crypto.master_key and crypto.master_key_version instead, or use crypto.master_key_file",
    );
  }
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${option} must be a positive whole number, got '${text}'`);
  }
  return value;
}
