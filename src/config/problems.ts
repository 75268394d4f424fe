/**
 * Turns zod's issues into the problems an operator reads: a readable key path
 * (`additionalFields[0].cadenceField`) and a message that never repeats the value found,
 * because the value may be a secret.
 */
import type { z } from 'zod';
import type { ConfigProblem } from '../errors.js';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;
type Schema = z.core.$ZodType;

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Formats a key path the way it is written in the file: `criteria.filterIds[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Names the kind of a value (never the value itself): `text`, `a number`, `a list`, … */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a mapping';
    default:
      return `a ${typeof value}`;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value lines)',
};

/**
 * A zod error map for issues the schema gave no message of its own. It reads the input
 * only to name its kind, so no value ever reaches a message.
 */
export function readableIssueMessage(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'missing required key';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `expected at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `expected at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `expected ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `expected at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `expected at most ${issue.maximum} items`;
      return `expected ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_format':
      if (issue.format === 'email') return 'expected an email address';
      if (issue.format === 'url') return 'expected a URL';
      return `expected a value in ${issue.format} format`;
    case 'invalid_value':
      return `expected one of: ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return 'is not valid';
  }
}

/** Strips the wrappers (optional, default, pipe, …) around a schema. */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: Schema; in?: Schema };
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** The keys an object schema allows at `path` (empty when `path` is not an object). */
export function allowedKeysAt(schema: Schema, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const key of path) {
    const def = current._zod.def as { type: string; shape?: Record<string, Schema>; element?: Schema };
    const next = def.type === 'object' ? def.shape?.[String(key)] : def.type === 'array' ? def.element : undefined;
    if (!next) return [];
    current = unwrap(next);
  }
  const def = current._zod.def as { type: string; shape?: Record<string, Schema> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Maps zod's issues to problems; an unknown key becomes one problem at its own path. */
export function problemsFromIssues(issues: readonly Issue[], schema: Schema): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, issue.path).join(', ');
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: `unknown key ${JSON.stringify(key)} (allowed: ${allowed})`,
      }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

const LAST_SEGMENT = /(?:\.[^.[\]]+|\[[^\]]*\])$/;

/**
 * Orders problems as their keys appear in the file, so the list reads top to bottom. A
 * missing key sorts after everything written under its parent; ties keep their order.
 */
export function sortByDocumentOrder(problems: readonly ConfigProblem[], document: unknown): ConfigProblem[] {
  // Pre-order position of each written key, and the last position inside its subtree.
  const spans = new Map<string, { start: number; end: number }>();
  let position = 0;
  const visit = (value: unknown, path: PropertyKey[]) => {
    const span = { start: position++, end: 0 };
    spans.set(formatPath(path), span);
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index]));
    else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    span.end = position - 1;
  };
  visit(document, []);
  const rank = (at: string): number => {
    const written = spans.get(at);
    if (written) return written.start;
    for (let parent = at.replace(LAST_SEGMENT, ''); ; parent = parent.replace(LAST_SEGMENT, '')) {
      const span = spans.get(parent);
      if (span) return span.end + 0.5;
      if (parent === '' || !LAST_SEGMENT.test(parent)) return position;
    }
  };
  return problems
    .map((problem, index) => ({ problem, index, rank: rank(problem.path) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ problem }) => problem);
}

/**
 * Replaces every occurrence of a secret in the messages. The messages are built not to
 * contain values; this is the second lock on the same door.
 */
export function redactProblems(problems: readonly ConfigProblem[], secrets: readonly string[]): ConfigProblem[] {
  // Very short strings would mangle ordinary words; no real secret is that short.
  const worthHiding = secrets.filter((secret) => secret.length >= 4);
  if (worthHiding.length === 0) return [...problems];
  const hide = (text: string) => worthHiding.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  return problems.map((problem) => ({ path: hide(problem.path), message: hide(problem.message) }));
}
