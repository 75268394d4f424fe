/**
 * `${VAR}` and `${VAR:-default}` in the config's string values, replaced from the
 * environment after the file is parsed, so a variable's value is always plain text and
 * can never add keys or YAML structure.
 *
 * - `${VAR}`: the variable's value; a variable that is unset or empty is a problem
 *   (every string the config takes must be non-empty, so an empty one is a mistake).
 * - `${VAR:-default}`: the default when the variable is unset or empty (as in the shell).
 *   The default runs to the first `}` and is not interpolated itself.
 * - `$${` gives a literal `${` (for a password that contains it); a `$` elsewhere is
 *   left alone.
 * - Any other `${` (no closing brace, a name that is not `[A-Za-z_][A-Za-z0-9_]*`) is a
 *   problem rather than a guess.
 *
 * Only values are interpolated, never keys. Values read from the environment are not
 * interpolated again.
 */
import type { ConfigProblem } from '../errors.js';
import { formatPath } from './problems.js';

export interface Interpolated {
  value: unknown;
  problems: ConfigProblem[];
  /** Key paths whose value could not be completed (zod's complaints there are noise). */
  failedPaths: Set<string>;
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;

/** Replaces the references in every string value of `raw`; see the module comment for the rules. */
export function interpolateEnv(raw: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const problems: ConfigProblem[] = [];
  const failedPaths = new Set<string>();

  function fail(path: readonly PropertyKey[], message: string): void {
    const at = formatPath(path);
    problems.push({ path: at, message });
    failedPaths.add(at);
  }

  function interpolateString(text: string, path: readonly PropertyKey[]): string {
    return text.replace(REFERENCE, (match: string, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${';
      if (name === undefined) {
        fail(path, 'invalid ${…} reference: write ${NAME} or ${NAME:-default}, or $${ for a literal "${"');
        return '';
      }
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      fail(path, `environment variable ${name} is ${value === undefined ? 'not set' : 'empty'}`);
      return '';
    });
  }

  function walk(value: unknown, path: PropertyKey[]): unknown {
    if (typeof value === 'string') return interpolateString(value, path);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return value;
  }

  return { value: walk(raw, []), problems, failedPaths };
}

/** A plain `{…}` object (what YAML and JSON give), not an array, a Date or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
