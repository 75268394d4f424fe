import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('validate-config against the sandbox', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 50 });
  });
  afterAll(async () => project?.close());

  it('passes a config that matches Connect and Cadence', async () => {
    const result = await project.cli(['validate-config']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('checked against Connect and Cadence');
    expect(result.stdout).toContain('Fall 2027 inquiries');
  });

  it('lists every mismatch at once, each at its key path, with exit 2', async () => {
    project.writeConfig((config) => {
      config.standardFields.firstName = 'First Name'; // a label: resolves
      config.standardFields.lastName = 'surname'; // does not exist
      config.standardFields.mobileNumber = 'Phone'; // two attributes carry this label
      config.criteria.filterIds = [70542, 99999];
      config.criteria.sourceCode = 'NOPE';
      config.additionalFields[1].cadenceField = 'Term of Entry';
    });
    const result = await project.cli(['validate-config']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('standardFields.lastName');
    expect(result.stderr).toMatch(/standardFields\.mobileNumber: .*ambiguous/);
    expect(result.stderr).toContain('criteria.filterIds[1]: Connect has no filter 99999');
    expect(result.stderr).toContain('criteria.sourceCode');
    expect(result.stderr).toContain('additionalFields[1].cadenceField');
    expect(result.stderr).not.toContain('standardFields.firstName');
  });

  it('reports refused credentials as problems, without the secrets', async () => {
    project.writeConfig((config) => {
      config.connect.passKey = '${WRONG_PASSKEY}';
      config.cadence.apiSecret = '${WRONG_SECRET}';
    });
    const result = await project.cli(['--log-level', 'debug', 'validate-config'], { env: { WRONG_PASSKEY: 'pk-zz9-plural-z-alpha', WRONG_SECRET: 'sec-42-towel' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/connect\.(clientName|passKey)/);
    expect(result.stderr).toMatch(/cadence\.(apiKey|apiSecret)/);
    expect(result.stdout + result.stderr).not.toContain('pk-zz9-plural-z-alpha');
    expect(result.stdout + result.stderr).not.toContain('sec-42-towel');
  });

  it('answers 3, not 2, when a service cannot be reached (the file may be right)', async () => {
    project.writeConfig((config) => {
      config.connect.passKey = '${CONNECT_PASSKEY:-sandbox-passkey}';
      config.cadence.apiSecret = '${CADENCE_API_SECRET:-sandbox-secret}';
      // Nothing listens on the discard port of loopback.
      config.connect.endpoint = 'http://127.0.0.1:9/ws/bridge.asmx';
    });
    const result = await project.cli(['validate-config']);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/^connect-sync: Connect: unreachable/m);
  });
});
