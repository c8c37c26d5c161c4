import { type Element, isTag } from "domhandler";
import { findAll, getChildren, textContent } from "domutils";
import { parseDocument } from "htmlparser2";

/** One service row of the Nagios status page. */
export interface NagiosServiceStatus {
  /** The Nagios host name; rows after a host's first inherit it, as the page shows it once. */
  host: string;
  service: string;
  /** OK, WARNING, CRITICAL, UNKNOWN or PENDING. */
  status: string;
  lastCheck: string;
  duration: string;
  attempt: string;
  statusInfo: string;
}

/** Cells of a service row: host, service, status, last check, duration, attempt, information. */
const SERVICE_COLUMNS = 7;

/**
 * Reads the service rows of a Nagios 3 or 4 `status.cgi` page (host=all). Rows are the direct
 * rows of every `table.status` with exactly seven cells; the header row and the blank spacer rows
 * between hosts have fewer and are skipped.
 */
export function parseNagiosStatusPage(html: string): NagiosServiceStatus[] {
  return readServiceRows(findStatusTables(html));
}

/** Raised for a page that has no service status table: an error or login page, or garbage. */
export class NotAStatusPageError extends Error {
  readonly code = "not_a_status_page";

  constructor() {
    super("the page has no Nagios service status table");
    this.name = "NotAStatusPageError";
  }
}

/**
 * Reads the service rows like {@link parseNagiosStatusPage}, but throws when the page has no
 * status table at all, so an error page served with HTTP 200 is not read as "no services".
 *
 * @throws {NotAStatusPageError} when the page has no `table.status`.
 */
export function parseNagiosStatusPageStrictly(html: string): NagiosServiceStatus[] {
  const tables = findStatusTables(html);
  if (tables.length === 0) {
    throw new NotAStatusPageError();
  }
  return readServiceRows(tables);
}

function findStatusTables(html: string): Element[] {
  const document = parseDocument(html, { lowerCaseTags: true, lowerCaseAttributeNames: true });
  return findAll(
    (element) => element.name === "table" && hasClass(element, "status"),
    document.children,
  );
}

function readServiceRows(tables: Element[]): NagiosServiceStatus[] {
  const services: NagiosServiceStatus[] = [];
  let lastHost = "";
  for (const table of tables) {
    for (const row of directRows(table)) {
      const cells = getChildren(row).filter(
        (child): child is Element => isTag(child) && child.name === "td",
      );
      if (cells.length !== SERVICE_COLUMNS) {
        continue;
      }
      const [hostCell, serviceCell, statusCell, checkCell, durationCell, attemptCell, infoCell] =
        cells as [Element, Element, Element, Element, Element, Element, Element];
      const host = firstLinkText(hostCell) ?? lastHost;
      lastHost = host;
      const service = firstLinkText(serviceCell);
      if (service === undefined || host === "") {
        continue;
      }
      services.push({
        host,
        service,
        status: cellText(statusCell),
        lastCheck: cellText(checkCell),
        duration: cellText(durationCell),
        attempt: cellText(attemptCell),
        statusInfo: cellText(infoCell),
      });
    }
  }
  return services;
}

function hasClass(element: Element, name: string): boolean {
  return (element.attribs.class ?? "").split(/\s+/).includes(name);
}

/** Rows that belong to this table and not to a table nested in one of its cells. */
function directRows(table: Element): Element[] {
  const rows: Element[] = [];
  for (const child of getChildren(table)) {
    if (!isTag(child)) {
      continue;
    }
    if (child.name === "tr") {
      rows.push(child);
    } else if (child.name === "tbody" || child.name === "thead") {
      rows.push(
        ...getChildren(child).filter((row): row is Element => isTag(row) && row.name === "tr"),
      );
    }
  }
  return rows;
}

function firstLinkText(cell: Element): string | undefined {
  const links = findAll((element) => element.name === "a", cell.children);
  for (const link of links) {
    const text = cellText(link);
    if (text !== "") {
      return text;
    }
  }
  return undefined;
}

function cellText(element: Element): string {
  return textContent(element)
    .replace(/\u00a0/g, " ")
    .trim();
}
