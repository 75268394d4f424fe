/**
 * Broken config files for the bad-input tests: seeded random mutations of the example
 * config (keys deleted, values of the wrong type, huge numbers, unknown keys, deep nesting,
 * random bytes, lines shuffled) and hand-made attacks on the YAML reader (alias bombs,
 * nesting a hundred thousand deep, anchors, tags, binary).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { Random } from '../../src/sandbox/random.js';

export const EXAMPLE_CONFIG = readFileSync(fileURLToPath(new URL('../../connect-sync.config.example.yaml', import.meta.url)), 'utf8');

export interface BrokenConfig {
  name: string;
  /** The file's bytes. */
  content: string | Buffer;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every key path of a parsed document (objects and arrays), shortest first. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  return keys.flatMap((key) => [[...prefix, key], ...paths((value as Record<string | number, Json>)[key]!, [...prefix, key])]);
}

function parentOf(root: Json, path: readonly (string | number)[]): Record<string | number, Json> {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  return node;
}

function nested(depth: number, leaf: Json): Json {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { deeper: value };
  return value;
}

const WRONG_VALUES: Json[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'yes', '0x1F4', '${NOT_SET_ANYWHERE}', '${', '$${CONNECT_PASSKEY}',
  'a'.repeat(100_000), [], [null], {}, { unexpected: 'key' }, ['a', 1, { b: [] }], '\u0000\u202e\ud83d\ude00',
];

/** One seeded mutation of the example config's data, written back as YAML. */
function mutateData(random: Random): BrokenConfig {
  const data = parse(EXAMPLE_CONFIG) as Json;
  const all = paths(data);
  const path = random.pick(all);
  const parent = parentOf(data, path);
  const key = path.at(-1)!;
  const where = path.join('.');
  switch (random.int(0, 4)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return { name: `without ${where}`, content: stringify(data) };
    case 1: {
      const value = random.pick(WRONG_VALUES);
      parent[key] = value;
      return { name: `${where} = ${JSON.stringify(value)?.slice(0, 40)}`, content: stringify(data) };
    }
    case 2:
      // JSON (which YAML 1.2 reads): the yaml package's own writer recurses too deep for this.
      parent[key] = nested(random.int(50, 3000), 'bottom');
      return { name: `${where} nested deep`, content: JSON.stringify(data) };
    case 3:
      if (!Array.isArray(parent)) parent[`${String(key)}Typo`] = 'x';
      return { name: `an unknown key beside ${where}`, content: stringify(data) };
    default: {
      const huge = random.pick(['1e400', '-1e400', '99999999999999999999999', '.inf', '-.inf', '.nan', '0x7FFFFFFFFFFFFFFF', '1_000']);
      parent[key] = 0;
      return { name: `${where} = ${huge}`, content: stringify(data).replace(new RegExp(`(${String(key)}: )0$`, 'm'), `$1${huge}`) };
    }
  }
}

/** One seeded mutation of the example config's text: bytes, lines and indentation. */
function mutateText(random: Random): BrokenConfig {
  const lines = EXAMPLE_CONFIG.split('\n');
  const edits: string[] = [];
  let bytes = Buffer.from(EXAMPLE_CONFIG, 'utf8');
  for (let edit = random.int(1, 4); edit > 0; edit--) {
    const line = random.int(0, lines.length - 1);
    switch (random.int(0, 5)) {
      case 0:
        lines.splice(line, 1);
        edits.push(`line ${line + 1} deleted`);
        break;
      case 1:
        lines.splice(line, 0, lines[line] ?? '');
        edits.push(`line ${line + 1} twice`);
        break;
      case 2:
        lines[line] = ` ${lines[line] ?? ''}`;
        edits.push(`line ${line + 1} indented`);
        break;
      case 3:
        lines[line] = (lines[line] ?? '').replace(/^( *)/, '$1\t');
        edits.push(`a tab in line ${line + 1}`);
        break;
      case 4:
        lines[line] = `${lines[line] ?? ''}${random.pick([': x', ' ]', ' {', ' &anchor', ' *nowhere', ' !!binary', ' "', " '", ' |', ' - '])}`;
        edits.push(`line ${line + 1} broken`);
        break;
      default: {
        bytes = Buffer.from(lines.join('\n'), 'utf8');
        const at = random.int(0, bytes.length - 1);
        const garbage = Buffer.from(Array.from({ length: random.int(1, 16) }, () => random.int(0, 255)));
        const next = Buffer.concat([bytes.subarray(0, at), garbage, bytes.subarray(at)]);
        edits.push(`${garbage.length} random bytes at ${at}`);
        return { name: edits.join(', '), content: next };
      }
    }
  }
  return { name: edits.join(', '), content: lines.join('\n') };
}

/** `count` seeded mutations, data and text alike. */
export function randomConfigs(random: Random, count: number): BrokenConfig[] {
  return Array.from({ length: count }, () => (random.chance(0.5) ? mutateData(random) : mutateText(random)));
}

const DEPTH = 100_000;

/** Hand-made attacks on the YAML reader and the loader. */
export function attackConfigs(): BrokenConfig[] {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level <= 9; level++) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    laughs.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`);
  }
  return [
    { name: 'an alias bomb (billion laughs)', content: `${laughs.join('\n')}\n${EXAMPLE_CONFIG}` },
    { name: 'an alias bomb inside a section', content: EXAMPLE_CONFIG.replace('criteria:\n', `criteria:\n  bomb: &x0 [1]\n${Array.from({ length: 30 }, (_, i) => `  b${i + 1}: &x${i + 1} [*x${i}, *x${i}]`).join('\n')}\n`) },
    { name: 'flow sequences nested 100,000 deep', content: `connect: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}\n` },
    { name: 'flow mappings nested 100,000 deep', content: `connect: ${'{a: '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}\n` },
    { name: 'block mappings nested 5,000 deep', content: Array.from({ length: 5000 }, (_, depth) => `${' '.repeat(depth)}k${depth}:`).join('\n') + ' 1\n' },
    { name: 'a number with 400 digits', content: EXAMPLE_CONFIG.replace('pageSize: 500', `pageSize: ${'9'.repeat(400)}`) },
    { name: 'an alias to an anchor defined later', content: EXAMPLE_CONFIG.replace('pageSize: 500', 'pageSize: *later') },
    { name: 'a merge key from an anchor', content: EXAMPLE_CONFIG.replace('cadence:\n', 'cadence:\n  <<: {batchSize: 5000}\n') },
    { name: 'a JavaScript tag', content: EXAMPLE_CONFIG.replace('pageSize: 500', 'pageSize: !!js/function "function () { return 500 }"') },
    { name: 'a custom tag on a section', content: EXAMPLE_CONFIG.replace('criteria:\n', 'criteria: !include other.yaml\n') },
    { name: 'duplicate keys', content: EXAMPLE_CONFIG.replace('pageSize: 500', 'pageSize: 500\n  pageSize: 400') },
    { name: '__proto__ as a key', content: EXAMPLE_CONFIG.replace('connect:\n', 'connect:\n  __proto__: { polluted: true }\n') },
    { name: 'a list at the root', content: '- connect\n- cadence\n' },
    { name: 'a number at the root', content: '42\n' },
    { name: 'only comments', content: '# nothing here\n# at all\n' },
    { name: 'an empty file', content: '' },
    { name: 'NUL bytes', content: Buffer.concat([Buffer.from(EXAMPLE_CONFIG.slice(0, 500)), Buffer.alloc(64), Buffer.from(EXAMPLE_CONFIG.slice(500))]) },
    { name: 'UTF-16 with a byte order mark', content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EXAMPLE_CONFIG, 'utf16le')]) },
    { name: 'invalid UTF-8', content: Buffer.concat([Buffer.from(EXAMPLE_CONFIG.replace('astronomer', 'astro')), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff])]) },
    { name: 'twenty megabytes of one comment line', content: `#${'x'.repeat(20 * 1024 * 1024)}\n${EXAMPLE_CONFIG}` },
    { name: 'a value of ten megabytes', content: EXAMPLE_CONFIG.replace('clientName: astronomer', `clientName: ${'a'.repeat(10 * 1024 * 1024)}`) },
    { name: 'a ${VAR} inside a default', content: EXAMPLE_CONFIG.replace('passKey: ${CONNECT_PASSKEY}', 'passKey: ${NOT_SET:-${CONNECT_PASSKEY}}') },
    { name: 'an unterminated ${', content: EXAMPLE_CONFIG.replace('passKey: ${CONNECT_PASSKEY}', 'passKey: ${CONNECT_PASSKEY') },
    { name: 'ten thousand filter ids', content: EXAMPLE_CONFIG.replace('filterIds: [70542, 70611]', `filterIds: [${Array.from({ length: 10_000 }, (_, i) => i + 1).join(', ')}]`) },
    { name: 'ten thousand additional fields', content: `${EXAMPLE_CONFIG.replace(/additionalFields:[\s\S]*?(?=\n# ---)/, `additionalFields:\n${Array.from({ length: 10_000 }, (_, i) => `  - {contactField: f${i}, cadenceField: F${i}}`).join('\n')}\n`)}` },
  ];
}
