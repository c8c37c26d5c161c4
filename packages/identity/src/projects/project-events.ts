import type { Logger, MessageBus } from "@openstack-ts/kernel";
import type { ProjectService } from "./project-service.js";

/** Topic published after a project is deleted, as Keystone's notifications name it. */
export const PROJECT_DELETED_TOPIC = "identity.project.deleted";

/**
 * Makes `projects.delete` publish `identity.project.deleted` with the project id (in
 * `resource_info`, as Keystone's notification payload has it, and in `project_id`) once the
 * deletion is committed. Services such as the key manager delete the project's resources on it.
 * The publish does not delay the response, and a failed publish is logged, not raised, because
 * the project is already gone.
 */
export function publishProjectDeletions(
  projects: Pick<ProjectService, "delete">,
  bus: Pick<MessageBus, "publish">,
  logger: Logger,
): void {
  const deleteProject = projects.delete.bind(projects);
  projects.delete = async (id: string) => {
    await deleteProject(id);
    bus
      .publish(PROJECT_DELETED_TOPIC, { resource_info: id, project_id: id })
      .catch((error: unknown) => {
        logger.warn({ err: error, project_id: id }, "publishing the project deletion failed");
      });
  };
}
