// Results as RFC 4180 CSV and as plain-text or HTML tables, shared by helpers and connectors.

type Row = Record<string, unknown>;

/** Every field name that appears in the rows, in first-seen order. */
export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row ?? {})) seen.add(key);
  return [...seen];
}

/** A row's own field: a column named like a prototype member (`constructor`, `__proto__`) reads nothing inherited. */
export function fieldOf(row: Row | undefined | null, column: string): unknown {
  return row !== null && typeof row === 'object' && Object.prototype.hasOwnProperty.call(row, column) ? row[column] : undefined;
}

/** A cell as text: objects become JSON, null and undefined become empty. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field. Text a spreadsheet would run as a formula (`=HYPERLINK(...)`, `+cmd|...`, `@SUM`,
 * a leading tab or CR) gets a leading single quote and is always quoted, as OWASP advises, so it
 * opens as text; numbers stay numbers.
 */
function csvField(value: unknown): string {
  const text = cellText(value);
  if (typeof value !== 'number' && FORMULA_START.test(text)) return `"'${text.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV with a header line and CRLF line ends; formula-like cells are neutralised. */
export function toCsv(rows: readonly Row[], columns: string[] = columnsOf(rows)): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(fieldOf(row, c))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** A fixed-width text table, for plain-text messages. */
export function toTextTable(rows: readonly Row[], columns: string[] = columnsOf(rows)): string {
  const cells = rows.map((row) => columns.map((c) => cellText(fieldOf(row, c)).replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)].join('\n');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** An HTML table with escaped cells, for HTML messages. */
export function toHtmlTable(rows: readonly Row[], columns: string[] = columnsOf(rows)): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${columns.map((c) => `<td>${escapeHtml(cellText(fieldOf(row, c)))}</td>`).join('')}</tr>`)
    .join('');
  return `<table border="1" cellpadding="4" cellspacing="0"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
