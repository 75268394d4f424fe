/**
 * Renders the mail's blocks twice, as plain text and as HTML, so both bodies always say the
 * same thing. Everything that reaches the HTML is escaped: contact and filter names come
 * from Connect and may hold `<` or `&`.
 */

/** A piece of the mail body. */
export type Block =
  | { kind: 'paragraph'; text: string }
  /** Label/value pairs. */
  | { kind: 'facts'; rows: [string, string][] }
  /** A table whose first column is text and the others numbers. */
  | { kind: 'table'; title: string; headers: string[]; rows: string[][] }
  | { kind: 'list'; title: string; items: string[] };

/** Applies `scrub` to every string of every block. */
export function scrubBlocks(blocks: readonly Block[], scrub: (text: string) => string): Block[] {
  return blocks.map((block): Block => {
    switch (block.kind) {
      case 'paragraph':
        return { kind: 'paragraph', text: scrub(block.text) };
      case 'facts':
        return { kind: 'facts', rows: block.rows.map(([label, value]) => [scrub(label), scrub(value)]) };
      case 'table':
        return { kind: 'table', title: scrub(block.title), headers: block.headers.map(scrub), rows: block.rows.map((row) => row.map(scrub)) };
      case 'list':
        return { kind: 'list', title: scrub(block.title), items: block.items.map(scrub) };
    }
  });
}

/** The plain-text body: aligned label columns and tables, blocks separated by a blank line. */
export function renderText(blocks: readonly Block[]): string {
  const parts = blocks.flatMap((block): string[] => {
    switch (block.kind) {
      case 'paragraph':
        return [block.text];
      case 'facts': {
        if (block.rows.length === 0) return [];
        const width = Math.max(...block.rows.map(([label]) => label.length));
        return [block.rows.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}  ${value}`).join('\n')];
      }
      case 'table':
        return [`${block.title}:\n${textTable(block.headers, block.rows)}`];
      case 'list':
        return [`${block.title}:\n${block.items.map((item) => `  - ${item}`).join('\n')}`];
    }
  });
  return `${parts.join('\n\n')}\n`;
}

function textTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [headers, ...rows].map((cells) => `  ${line(cells)}`).join('\n');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const CELL = 'style="padding:2px 12px 2px 0;text-align:left"';
const NUMBER = 'style="padding:2px 0 2px 12px;text-align:right"';

/** The HTML body: the same blocks as a small, inline-styled document. */
export function renderHtml(title: string, blocks: readonly Block[]): string {
  const body = blocks.map((block): string => {
    switch (block.kind) {
      case 'paragraph':
        return `<p>${escapeHtml(block.text)}</p>`;
      case 'facts':
        if (block.rows.length === 0) return '';
        return `<table>${block.rows
          .map(([label, value]) => `<tr><th ${CELL}>${escapeHtml(label)}</th><td ${CELL}>${escapeHtml(value)}</td></tr>`)
          .join('')}</table>`;
      case 'table': {
        const head = `<tr>${block.headers.map((header, column) => `<th ${column === 0 ? CELL : NUMBER}>${escapeHtml(header)}</th>`).join('')}</tr>`;
        const rows = block.rows
          .map((row) => `<tr>${row.map((cell, column) => `<td ${column === 0 ? CELL : NUMBER}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
          .join('');
        return `<p>${escapeHtml(block.title)}:</p><table>${head}${rows}</table>`;
      }
      case 'list':
        return `<p>${escapeHtml(block.title)}:</p><ul>${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
    }
  });
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    `<body style="font-family:sans-serif;font-size:14px">${body.join('\n')}</body></html>`,
    '',
  ].join('\n');
}
