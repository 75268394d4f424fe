/**
 * The Dockerfile, read statically (no Docker engine is needed to run the suite): stages,
 * what the final image holds and who it runs as, no secret in the build, and a build
 * context that copies what the stages need and nothing local.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOCKERFILE } from './manifests.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return lines.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

/** Instructions grouped by stage (`FROM … AS name`); ARGs before the first FROM are stage `''`. */
function stages(all: Instruction[]): Map<string, Instruction[]> {
  const byStage = new Map<string, Instruction[]>([['', []]]);
  let current = '';
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      current = /\bAS\s+(\S+)$/i.exec(instruction.args)?.[1] ?? instruction.args;
      byStage.set(current, []);
    }
    byStage.get(current)!.push(instruction);
  }
  return byStage;
}

const all = instructions(readFileSync(DOCKERFILE, 'utf8'));
const byStage = stages(all);
const finalStage = [...byStage.values()].at(-1)!;
const args = (stage: Instruction[], keyword: string) => stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
const defaults = new Map(args(byStage.get('')!, 'ARG').map((arg) => arg.split('=') as [string, string]));

describe('Dockerfile', () => {
  it('builds in stages and ends on a slim Node 20 image', () => {
    expect([...byStage.keys()]).toEqual(['', 'build', 'deps', 'final']);
    const base = args(finalStage, 'FROM')[0]!.replace(/\$\{(\w+)\}/, (_, name: string) => defaults.get(name) ?? '');
    expect(base).toMatch(/^node:20-bookworm-slim AS final$/);
  });

  it('compiles TypeScript in the build stage and installs production dependencies only for the image', () => {
    expect(args(byStage.get('build')!, 'RUN').join('\n')).toMatch(/npm ci[^\n]*\n[\s\S]*npm run build/);
    expect(args(byStage.get('deps')!, 'RUN').join('\n')).toMatch(/npm ci --omit=dev/);
    const copies = args(finalStage, 'COPY');
    expect(copies).toContain('--from=deps /src/node_modules ./node_modules');
    expect(copies).toContain('--from=build /src/dist ./dist');
    expect(copies.filter((copy) => copy.includes('node_modules'))).toHaveLength(1);
    expect(args(finalStage, 'RUN').join('\n')).not.toMatch(/npm (ci|install)/);
  });

  it('runs connect-sync as a non-root user, --help by default', () => {
    const users = args(finalStage, 'USER');
    expect(users).toHaveLength(1);
    expect(users[0]).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(all.at(-1)).toEqual({ keyword: 'CMD', args: '["--help"]' });
    expect(args(finalStage, 'ENTRYPOINT')).toEqual(['["connect-sync"]']);
    expect(args(finalStage, 'RUN').join('\n')).toContain('ln -s /app/bin/connect-sync.js /usr/local/bin/connect-sync');
    expect(args(finalStage, 'WORKDIR')).toEqual(['/app']);
  });

  it('bakes in no secret: no ARG or ENV with a secret-looking name, no config or state copied', () => {
    for (const instruction of all.filter(({ keyword }) => keyword === 'ARG' || keyword === 'ENV')) {
      expect(instruction.args, `${instruction.keyword} ${instruction.args}`).not.toMatch(/pass|secret|token|key|password|url|credential/i);
    }
    expect(args(finalStage, 'COPY').join('\n')).not.toMatch(/\.sqlite|connect-sync\.config\.yaml|\.env/);
  });

  it('copies only files that exist, and the build context (.dockerignore) admits each of them', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/\/$/, ''));
    const sources = all
      .filter(({ keyword, args: text }) => keyword === 'COPY' && !text.startsWith('--from'))
      .flatMap(({ args: text }) => text.split(/\s+/).slice(0, -1));
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignore, source).toContain(source);
    }
  });
});
