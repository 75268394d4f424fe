/**
 * The YAML loader cosmiconfig uses for the config file. It reports every syntax error with
 * its line and column, and never quotes the offending text (it may be a secret).
 */
import { LineCounter, parseDocument } from 'yaml';

export interface SyntaxProblem {
  /** 1-based; absent when the error has no single position (too many aliases, …). */
  line?: number;
  column?: number;
  message: string;
}

/** The file is not well-formed YAML (or JSON); carries every error with its position. */
export class YamlSyntaxError extends Error {
  readonly filepath: string;
  readonly problems: readonly SyntaxProblem[];
  constructor(filepath: string, problems: readonly SyntaxProblem[]) {
    super(`${filepath} is not well-formed YAML`);
    this.name = 'YamlSyntaxError';
    this.filepath = filepath;
    this.problems = problems;
  }
}

// A few of yaml's messages end by quoting the source; keep only the part before it.
const QUOTES_SOURCE = /^(Block scalar header includes extra characters|Invalid escape sequence)\b.*$/;

function withoutSource(message: string): string {
  return message.replace(QUOTES_SOURCE, '$1');
}

/**
 * Parses YAML 1.2 (core schema: `yes`/`no`/`on` stay text, `01:00` stays text). Also
 * used for JSON files, which YAML 1.2 reads the same way, for the same error positions.
 * Returns `undefined` for a document with no content, so it counts as an empty file.
 */
export function loadYaml(filepath: string, content: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new YamlSyntaxError(
      filepath,
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { line, column: col, message: withoutSource(error.message) };
      }),
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? undefined;
  } catch (error) {
    // An alias bomb or a broken alias: well-formed text, but not a usable document.
    throw new YamlSyntaxError(filepath, [{ message: (error as Error).message }]);
  }
}
