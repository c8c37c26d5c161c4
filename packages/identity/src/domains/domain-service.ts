import { newId } from "../common/ids.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import { identityError } from "../errors.js";
import type { DomainRepo } from "./domain-repo.js";
import {
  DEFAULT_DOMAIN_ID,
  type Domain,
  type DomainChanges,
  type DomainFilter,
} from "./domain-types.js";

export interface NewDomain {
  name: string;
  description?: string | undefined;
  enabled?: boolean | undefined;
  extra?: Record<string, unknown> | undefined;
}

/** Rules for domains: unique names, and a domain is deleted only once disabled. */
export function createDomainService(repo: DomainRepo) {
  async function get(id: string): Promise<Domain> {
    const domain = await repo.get(id);
    if (domain === undefined) {
      throw identityError("DOMAIN_NOT_FOUND", { id });
    }
    return domain;
  }

  return {
    get,
    find: (id: string) => repo.get(id),
    findByName: (name: string) => repo.getByName(name),
    list: (filter: DomainFilter) => repo.list(filter),

    /** Returns the domain given by `{id}` or `{name}`, or undefined when there is none. */
    async findByReference(reference: { id?: string; name?: string }): Promise<Domain | undefined> {
      if (reference.id !== undefined) {
        return repo.get(reference.id);
      }
      if (reference.name !== undefined) {
        return repo.getByName(reference.name);
      }
      return undefined;
    },

    async create(input: NewDomain, id = newId()): Promise<Domain> {
      const domain: Domain = {
        id,
        name: input.name,
        description: input.description ?? "",
        enabled: input.enabled ?? true,
        extra: input.extra ?? {},
      };
      await insertUnique(repo, domain);
      return domain;
    },

    async update(id: string, changes: DomainChanges): Promise<Domain> {
      const current = await get(id);
      if (id === DEFAULT_DOMAIN_ID && changes.enabled === false) {
        throw identityError("PROTECTED_RESOURCE", {
          what: "The default domain cannot be disabled.",
        });
      }
      if (changes.name !== undefined && changes.name !== current.name) {
        const holder = await repo.getByName(changes.name);
        if (holder !== undefined) {
          throw identityError("DUPLICATE", { what: `Domain named ${changes.name}` });
        }
      }
      const extra =
        changes.extra === undefined ? undefined : { ...current.extra, ...changes.extra };
      try {
        await repo.update(id, { ...changes, extra });
      } catch (error) {
        // A concurrent request took the name after the check above.
        if (isUniqueViolation(error)) {
          throw identityError("DUPLICATE", { what: `Domain named ${changes.name}` });
        }
        throw error;
      }
      return get(id);
    },

    async delete(id: string): Promise<void> {
      const domain = await get(id);
      if (id === DEFAULT_DOMAIN_ID) {
        throw identityError("PROTECTED_RESOURCE", {
          what: "The default domain cannot be deleted.",
        });
      }
      if (domain.enabled) {
        throw identityError("DOMAIN_ENABLED", { id });
      }
      await repo.delete(id);
    },
  };
}

export type DomainService = ReturnType<typeof createDomainService>;

async function insertUnique(repo: DomainRepo, domain: Domain): Promise<void> {
  if ((await repo.getByName(domain.name)) !== undefined) {
    throw identityError("DUPLICATE", { what: `Domain named ${domain.name}` });
  }
  try {
    await repo.insert(domain);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw identityError("DUPLICATE", { what: `Domain named ${domain.name}` });
    }
    throw error;
  }
}
