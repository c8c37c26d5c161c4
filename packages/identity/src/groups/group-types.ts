/** A group of users in a domain; roles granted to a group apply to each member. */
export interface Group {
  id: string;
  name: string;
  domainId: string;
  description: string | null;
  /** Attributes the API does not define, kept and returned as given. */
  extra: Record<string, unknown>;
}

export interface GroupFilter {
  name?: string | undefined;
  domainId?: string | undefined;
  /** Only these groups; an empty list matches none. */
  ids?: string[] | undefined;
}

export interface GroupChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  extra?: Record<string, unknown> | undefined;
}
