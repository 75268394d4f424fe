import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DESCRIPTIONS, SCHEMA_ID, configJsonSchema, configJsonSchemaText, keyPaths } from './json-schema.js';

const COMMITTED = fileURLToPath(new URL('../../schema/connect-sync.schema.json', import.meta.url));

type Node = Record<string, unknown> & { properties?: Record<string, Node>; items?: Node; required?: string[]; anyOf?: Node[] };

const schema = configJsonSchema() as Node;

function at(keyPath: string): Node {
  let node: Node | undefined = schema;
  for (const segment of keyPath.split('.')) {
    const [key = '', ...items] = segment.split('[]');
    node = node?.properties?.[key];
    for (let i = 0; i < items.length; i += 1) node = node?.items;
  }
  if (!node) throw new Error(`no ${keyPath} in the schema`);
  return node;
}

describe('configJsonSchema', () => {
  it('matches the committed schema/connect-sync.schema.json', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(
      committed === configJsonSchemaText(),
      'schema/connect-sync.schema.json is out of date with src/config/schema.ts: ' +
        'run `npm run build && npx connect-sync schema > schema/connect-sync.schema.json` and commit the result',
    ).toBe(true);
  });

  it('names itself for editors', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe(SCHEMA_ID);
    expect(schema.title).toBe('connect-sync config');
  });

  it('describes every key, and describes no key that does not exist', () => {
    const paths = keyPaths(schema);
    expect(paths).toContain('notification.smtp.pass');
    expect(paths).toContain('additionalFields[].hasList');
    expect(paths.filter((path) => typeof at(path).description !== 'string')).toEqual([]);
    expect(Object.keys(DESCRIPTIONS).filter((path) => !paths.includes(path))).toEqual([]);
  });

  it('describes the file as written: keys with defaults are optional, unknown keys are not allowed', () => {
    expect(schema.required).toEqual(['connect', 'cadence', 'standardFields', 'criteria']);
    expect(at('connect').required).toEqual(['endpoint', 'clientName', 'passKey']);
    expect(at('connect.pageSize')).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 500 });
    expect(at('nightlyImport.window.start').default).toBe('01:00');
    for (const path of ['', 'connect', 'cadence', 'optOut', 'additionalFields[]', 'notification.smtp', 'state']) {
      expect(path === '' ? schema.additionalProperties : at(path).additionalProperties, path).toBe(false);
    }
  });

  it('lets formatted strings be a ${VAR} reference, and keeps other strings plain', () => {
    for (const path of ['connect.endpoint', 'cadence.baseUrl', 'notification.to[]', 'notification.from', 'nightlyImport.window.start']) {
      const node = at(path);
      expect(node.type, path).toBeUndefined();
      expect(node.anyOf?.[1]?.pattern, path).toBe('\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}');
    }
    expect(at('notification.from').anyOf?.[0]).toMatchObject({ type: 'string', format: 'email' });
    expect(at('connect.endpoint').anyOf?.[0]).toEqual({ type: 'string', format: 'uri', pattern: '^https?://' });
    expect(at('connect.passKey')).toEqual({ description: expect.any(String), type: 'string', minLength: 1 });
  });

  it('says what zod checks in code where JSON Schema can', () => {
    expect(at('criteria.filterIds').uniqueItems).toBe(true);
    expect(at('notification.smtp').dependencies).toEqual({ user: ['pass'], pass: ['user'] });
  });

  it('is the same every time (deterministic output)', () => {
    expect(configJsonSchemaText()).toBe(configJsonSchemaText());
  });
});
