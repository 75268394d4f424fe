/**
 * Reads deploy/kubernetes/ for the tests beside it: every manifest file parsed (a file may
 * hold several documents), the team's config as the ConfigMap holds it, and the `${VAR}`
 * references in that config.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
export const DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));

/** A manifest as read: loosely typed, the tests check the shape they need. */
export type Manifest = Record<string, any> & { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };

export interface ManifestFile {
  file: string;
  documents: Manifest[];
}

/** Every `.yaml` file of deploy/kubernetes/, each parsed strictly (a YAML error fails the test, naming the file). */
export function readManifestFiles(): ManifestFile[] {
  return readdirSync(DEPLOY_DIR)
    .filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'))
    .sort()
    .map((file) => {
      const documents = parseAllDocuments(readFileSync(join(DEPLOY_DIR, file), 'utf8'), { prettyErrors: true });
      return {
        file,
        documents: documents.map((document) => {
          if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
          return document.toJS() as Manifest;
        }),
      };
    });
}

/** The Kubernetes objects (every document but the kustomization). */
export function readObjects(): (Manifest & { file: string })[] {
  return readManifestFiles()
    .filter(({ file }) => file !== 'kustomization.yaml')
    .flatMap(({ file, documents }) => documents.map((document) => ({ ...document, file })));
}

/** The one object of this kind (and name, when given); an error naming them when there is not exactly one. */
export function theObject(kind: string, name?: string): Manifest & { file: string } {
  const found = readObjects().filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`);
  return found[0]!;
}

/** The pod spec of a CronJob or a Deployment. */
export function podSpec(object: Manifest): Manifest {
  return object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec;
}

/** The names of the environment variables a config text references (`${VAR}`, `${VAR:-default}`; `$${` is a literal). */
export function referencedVariables(configText: string): string[] {
  const names = new Set<string>();
  for (const match of configText.matchAll(/(\$?)\$\{([A-Za-z0-9_]+)(:-[^}]*)?\}/g)) {
    if (match[1] === '' && match[3] === undefined) names.add(match[2]!);
  }
  return [...names].sort();
}

/** The config file text the ConfigMap holds under `key`. */
export function configText(configMap: Manifest, key: string): string {
  const text: unknown = configMap.data?.[key];
  if (typeof text !== 'string') throw new Error(`ConfigMap ${configMap.metadata.name} has no data.${key}`);
  return text;
}

/** The config text after `edit` (as JSON, which is YAML), for checks that must change what a test cannot run as written. */
export function editConfig(text: string, edit: (config: Record<string, Record<string, unknown>>) => void): string {
  const config = parse(text) as Record<string, Record<string, unknown>>;
  edit(config);
  return JSON.stringify(config, null, 2);
}
