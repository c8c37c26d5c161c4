/** A Keystone project (tenant): the owner of resources in the other services. */
export interface Project {
  id: string;
  name: string;
  domainId: string;
  description: string;
  enabled: boolean;
  /** Parent project, or null for a project at the top of its domain. */
  parentId: string | null;
  tags: string[];
  /** Attributes the API does not define, kept and returned as given. */
  extra: Record<string, unknown>;
}

export interface ProjectFilter {
  name?: string | undefined;
  domainId?: string | undefined;
  enabled?: boolean | undefined;
  parentId?: string | undefined;
  /** Only these projects; an empty list matches none. */
  ids?: string[] | undefined;
  /** Projects with every one of these tags. */
  tags?: string[] | undefined;
  /** Projects with at least one of these tags. */
  tagsAny?: string[] | undefined;
  /** Projects without at least one of these tags. */
  notTags?: string[] | undefined;
  /** Projects with none of these tags. */
  notTagsAny?: string[] | undefined;
}

export interface ProjectChanges {
  name?: string | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
  tags?: string[] | undefined;
  extra?: Record<string, unknown> | undefined;
}
