import { pythonText } from "./python-text.js";

/** Output formats of `-f`, as cliff names them. */
export const OUTPUT_FORMATS = ["table", "value", "json", "shell", "csv", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A column: the label cliff shows, and the field name `-c` also accepts. */
export interface Column {
  label: string;
  field: string;
}

/** Raised when `-c` names no known column; the CLI exits with 1 as cliff does. */
export class UnknownColumnError extends Error {}

/**
 * Keeps the columns named by `-c` (by label or field name), in the order given; all columns when
 * `-c` is absent. Unknown names raise the message cliff prints.
 */
export function selectColumns(columns: Column[], requested: string[]): Column[] {
  if (requested.length === 0) {
    return columns;
  }
  const selected = requested
    .map((name) => columns.find((column) => column.label === name || column.field === name))
    .filter((column): column is Column => column !== undefined);
  if (selected.length === 0) {
    const known = columns.map((column) => `'${column.label}'`).join(", ");
    throw new UnknownColumnError(
      `No recognized column names in [${requested.map((name) => `'${name}'`).join(", ")}]. Recognized columns are (${known}).`,
    );
  }
  return selected;
}

/** Renders one record (`show` commands) in cliff's layout for the format. */
export function formatOne(
  columns: Column[],
  record: Record<string, unknown>,
  format: OutputFormat,
): string {
  const values = columns.map((column) => record[column.field]);
  switch (format) {
    case "table":
      return renderTable(
        ["Field", "Value"],
        columns.map((column, index) => [column.label, pythonText(values[index])]),
        [false, false],
      );
    case "value":
      return lines(values.map((value) => pythonText(value)));
    case "json":
      return `${JSON.stringify(Object.fromEntries(columns.map((column, index) => [column.label, values[index] ?? null])), null, 2)}\n`;
    case "shell":
      return lines(
        columns.map(
          (column, index) =>
            `${shellName(column.label)}="${shellEscape(pythonText(values[index]))}"`,
        ),
      );
    case "csv":
      return lines([csvRow(columns.map((column) => column.label)), csvRow(values)]);
    case "yaml":
      return lines(columns.map((column, index) => `${column.label}: ${yamlScalar(values[index])}`));
  }
}

/** Renders records (`list` commands) in cliff's layout for the format. */
export function formatList(
  columns: Column[],
  records: Record<string, unknown>[],
  format: OutputFormat,
): string {
  const rows = records.map((record) => columns.map((column) => record[column.field]));
  switch (format) {
    case "table":
      if (rows.length === 0) {
        return "";
      }
      return renderTable(
        columns.map((column) => column.label),
        rows.map((row) => row.map((value) => pythonText(value))),
        columns.map(
          (_, index) =>
            rows.every(
              (row) =>
                typeof row[index] === "number" || row[index] === null || row[index] === undefined,
            ) && rows.some((row) => typeof row[index] === "number"),
        ),
      );
    case "value":
      return lines(rows.map((row) => row.map((value) => pythonText(value)).join(" ")));
    case "json":
      return `${JSON.stringify(
        rows.map((row) =>
          Object.fromEntries(columns.map((column, index) => [column.label, row[index] ?? null])),
        ),
        null,
        2,
      )}\n`;
    case "shell":
      return lines(
        rows.flatMap((row) =>
          columns.map(
            (column, index) =>
              `${shellName(column.label)}="${shellEscape(pythonText(row[index]))}"`,
          ),
        ),
      );
    case "csv":
      return lines([csvRow(columns.map((column) => column.label)), ...rows.map(csvRow)]);
    case "yaml":
      return lines(
        rows.flatMap((row) =>
          columns.map(
            (column, index) =>
              `${index === 0 ? "- " : "  "}${column.label}: ${yamlScalar(row[index])}`,
          ),
        ),
      );
  }
}

function lines(items: string[]): string {
  return items.length === 0 ? "" : `${items.join("\n")}\n`;
}

/** Draws a bordered table like prettytable; `rightAligned` marks numeric columns. */
function renderTable(headers: string[], rows: string[][], rightAligned: boolean[]): string {
  const cellLines = (text: string) => text.split("\n");
  const widths = headers.map((header, index) =>
    Math.max(
      header.length,
      ...rows.map((row) => Math.max(...cellLines(row[index] ?? "").map((line) => line.length))),
    ),
  );
  const border = `+${widths.map((width) => "-".repeat(width + 2)).join("+")}+`;
  const renderRow = (cells: string[], alignRight: boolean[]) => {
    const height = Math.max(...cells.map((cell) => cellLines(cell).length));
    const output: string[] = [];
    for (let line = 0; line < height; line += 1) {
      const parts = cells.map((cell, index) => {
        const text = cellLines(cell)[line] ?? "";
        const width = widths[index] ?? 0;
        return alignRight[index] ? text.padStart(width) : text.padEnd(width);
      });
      output.push(`| ${parts.join(" | ")} |`);
    }
    return output;
  };
  const headerRow = renderRow(
    headers,
    headers.map(() => false),
  );
  const body = rows.flatMap((row) => renderRow(row, rightAligned));
  return lines([border, ...headerRow, border, ...body, border]);
}

function shellName(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

function shellEscape(text: string): string {
  return text.replace(/["\\$`]/g, (character) => `\\${character}`);
}

function csvRow(values: unknown[]): string {
  return values
    .map((value) => {
      if (typeof value === "number") {
        return String(value);
      }
      const text = value === null || value === undefined ? "" : pythonText(value);
      return `"${text.replaceAll('"', '""')}"`;
    })
    .join(",");
}

function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) {
    return "null";
  }
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
}
