import type { Cell, Column, Format, Report, Section } from './report.js';

function formatCell(value: Cell, column: Column): string {
  if (value === null) return '-';
  if (typeof value === 'string') return value;
  switch (column.kind) {
    case 'usd':
      return formatUsd(value);
    case 'int':
      return Math.round(value).toLocaleString('en-US');
    case 'ms':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
    case 'share':
      return `${(value * 100).toFixed(1)}%`;
    case 'text':
      return String(value);
  }
}

/** Dollars with enough decimals that a fraction of a cent still shows (LLM calls often cost less). */
export function formatUsd(value: number): string {
  const magnitude = Math.abs(value);
  const decimals = magnitude === 0 || magnitude >= 1 ? 2 : magnitude >= 0.01 ? 4 : 6;
  return `${value < 0 ? '-' : ''}$${magnitude.toFixed(decimals)}`;
}

function renderSectionTable(section: Section): string {
  const lines = [...section.rows, ...(section.total ? [section.total] : [])].map((row) =>
    section.columns.map((column) => formatCell(row[column.key] ?? null, column)),
  );
  const headers = section.columns.map((column) => column.header);
  const widths = headers.map((header, index) => Math.max(header.length, ...lines.map((line) => line[index]!.length)));
  const pad = (cells: string[]): string =>
    cells
      .map((cell, index) => (section.columns[index]!.kind === 'text' ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const body = lines.map(pad);
  if (section.total) body.splice(body.length - 1, 0, rule);
  const rows = section.rows.length === 0 ? ['(nothing in this window)'] : body;
  return [section.title, pad(headers), rule, ...rows].join('\n');
}

function csvField(value: Cell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function renderSectionCsv(section: Section, withTitle: boolean): string {
  const lines = [section.columns.map((column) => csvField(column.key)).join(',')];
  for (const row of [...section.rows, ...(section.total ? [section.total] : [])]) {
    lines.push(section.columns.map((column) => csvField(row[column.key] ?? null)).join(','));
  }
  return (withTitle ? `# ${section.title}\n` : '') + lines.join('\n');
}

function sectionKey(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

export function renderReport(report: Report, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(
        { ...report.summary, ...Object.fromEntries(report.sections.map((section) => [sectionKey(section.title), { rows: section.rows, ...(section.total ? { total: section.total } : {}) }])) },
        null,
        2,
      );
    case 'csv':
      // One table per section; several sections are separated by a blank line and a `# title` comment.
      return report.sections.map((section) => renderSectionCsv(section, report.sections.length > 1)).join('\n\n');
    case 'table': {
      const summary = Object.entries(report.summary).map(([key, value]) => `${key}: ${value ?? '-'}`);
      return [summary.join('\n'), ...report.sections.map(renderSectionTable)].join('\n\n');
    }
  }
}
