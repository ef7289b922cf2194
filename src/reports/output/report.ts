/**
 * A report as data: typed columns and rows. The same value renders as an aligned table for people, or as JSON or
 * CSV for scripts, which get raw numbers (full precision, no units) instead of formatted text.
 */
export type ColumnKind = 'text' | 'int' | 'usd' | 'ms' | 'share';
export type Cell = string | number | null;

export interface Column {
  key: string;
  header: string;
  kind: ColumnKind;
}

export interface Section {
  title: string;
  columns: Column[];
  rows: Record<string, Cell>[];
  /** A totals line, shown under the rows. */
  total?: Record<string, Cell>;
}

export interface Report {
  /** Lines about what was read (window, experiment, trace count) printed above the tables. */
  summary: Record<string, Cell>;
  sections: Section[];
}

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(text: string): Format {
  if (!(FORMATS as readonly string[]).includes(text)) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(text)}`);
  return text as Format;
}
