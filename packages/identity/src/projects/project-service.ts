import { newId } from "../common/ids.js";
import { isUniqueViolation } from "../db/sql-errors.js";
import type { DomainService } from "../domains/domain-service.js";
import { identityError, invalidRequest } from "../errors.js";
import type { ProjectRepo } from "./project-repo.js";
import type { Project, ProjectChanges, ProjectFilter } from "./project-types.js";

/** Maximum number of tags on one project, as in Keystone. */
export const MAX_TAGS = 80;

export interface NewProject {
  name: string;
  domainId: string;
  description?: string | undefined;
  enabled?: boolean | undefined;
  parentId?: string | null | undefined;
  tags?: string[] | undefined;
  extra?: Record<string, unknown> | undefined;
}

/** Rules for projects: unique names within a domain, parents in the same domain. */
export function createProjectService(repo: ProjectRepo, domains: Pick<DomainService, "get">) {
  async function get(id: string): Promise<Project> {
    const project = await repo.get(id);
    if (project === undefined) {
      throw identityError("PROJECT_NOT_FOUND", { id });
    }
    return project;
  }

  async function resolveParent(input: NewProject): Promise<string | null> {
    const parentId = input.parentId ?? null;
    if (parentId === null || parentId === input.domainId) {
      return null;
    }
    const parent = await repo.get(parentId);
    if (parent === undefined) {
      throw invalidRequest(`Parent project ${parentId} does not exist.`);
    }
    if (parent.domainId !== input.domainId) {
      throw invalidRequest(
        `Parent project ${parentId} is in another domain than ${input.domainId}.`,
      );
    }
    return parent.id;
  }

  return {
    get,
    find: (id: string) => repo.get(id),
    findByName: (domainId: string, name: string) => repo.getByName(domainId, name),
    list: (filter: ProjectFilter) => repo.list(filter),

    async create(input: NewProject, id = newId()): Promise<Project> {
      await domains.get(input.domainId);
      const project: Project = {
        id,
        name: input.name,
        domainId: input.domainId,
        description: input.description ?? "",
        enabled: input.enabled ?? true,
        parentId: await resolveParent(input),
        tags: input.tags ?? [],
        extra: input.extra ?? {},
      };
      const duplicate = () =>
        identityError("DUPLICATE", {
          what: `Project named ${project.name} in domain ${project.domainId}`,
        });
      if ((await repo.getByName(project.domainId, project.name)) !== undefined) {
        throw duplicate();
      }
      try {
        await repo.insert(project);
      } catch (error) {
        throw isUniqueViolation(error) ? duplicate() : error;
      }
      return project;
    },

    async update(id: string, changes: ProjectChanges): Promise<Project> {
      const current = await get(id);
      if (changes.name !== undefined && changes.name !== current.name) {
        if ((await repo.getByName(current.domainId, changes.name)) !== undefined) {
          throw identityError("DUPLICATE", {
            what: `Project named ${changes.name} in domain ${current.domainId}`,
          });
        }
      }
      const extra =
        changes.extra === undefined ? undefined : { ...current.extra, ...changes.extra };
      try {
        await repo.update(id, { ...changes, extra });
      } catch (error) {
        // A concurrent request took the name after the check above.
        throw isUniqueViolation(error)
          ? identityError("DUPLICATE", {
              what: `Project named ${changes.name} in domain ${current.domainId}`,
            })
          : error;
      }
      return get(id);
    },

    /** Replaces the tags of a project; returns them. */
    async setTags(id: string, tags: string[]): Promise<string[]> {
      await get(id);
      const unique = [...new Set(tags)];
      await repo.update(id, { tags: unique });
      return unique;
    },

    /** Adds one tag; adding a tag the project already has changes nothing. */
    async addTag(id: string, tag: string): Promise<void> {
      const project = await get(id);
      if (project.tags.includes(tag)) {
        return;
      }
      if (project.tags.length >= MAX_TAGS) {
        throw invalidRequest(`Project ${id} already has ${MAX_TAGS} tags, the maximum.`);
      }
      await repo.update(id, { tags: [...project.tags, tag] });
    },

    async checkTag(id: string, tag: string): Promise<void> {
      const project = await get(id);
      if (!project.tags.includes(tag)) {
        throw identityError("TAG_NOT_FOUND", { tag, project: id });
      }
    },

    async removeTag(id: string, tag: string): Promise<void> {
      const project = await get(id);
      if (!project.tags.includes(tag)) {
        throw identityError("TAG_NOT_FOUND", { tag, project: id });
      }
      await repo.update(id, { tags: project.tags.filter((existing) => existing !== tag) });
    },

    async delete(id: string): Promise<void> {
      await get(id);
      if (await repo.hasChildren(id)) {
        throw identityError("PROTECTED_RESOURCE", {
          what: `Project ${id} has child projects; delete them first.`,
        });
      }
      if (!(await repo.delete(id))) {
        // A concurrent request deleted it after the check above.
        throw identityError("PROJECT_NOT_FOUND", { id });
      }
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
