/** Container types the API creates; asymmetric orders may also create `dsa` containers. */
export const CONTAINER_TYPES = ["generic", "rsa", "certificate"] as const;

/** A named reference from a container to a secret. */
export interface ContainerSecretRef {
  name: string | null;
  secretId: string;
}

/** A stored container with its secret references. */
export interface ContainerRecord {
  id: string;
  projectId: string;
  creatorId: string | null;
  name: string | null;
  type: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  secretRefs: ContainerSecretRef[];
}

/** A validated `POST /v1/containers` request. */
export interface NewContainerRequest {
  name: string | null;
  type: string;
  secretRefs: { name: string | null; secretRef: string; secretId: string }[];
}

/** Filters of `GET /v1/containers`. */
export interface ContainerListFilters {
  projectId: string;
  name?: string;
  type?: string;
}

/** A consumer of a container, as container responses list it. */
export interface ContainerConsumerSummary {
  name: string;
  URL: string;
}
