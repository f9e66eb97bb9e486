import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { renderCrdFiles } from '../../src/api/crd/render.js';

const crdDir = join(import.meta.dirname, '..', '..', 'deploy', 'crds');

describe('deploy/crds is generated from src/api/schema', () => {
  const generated = renderCrdFiles();

  it('produces one file per kind', () => {
    expect([...generated.keys()].sort()).toEqual([
      'network.kubesphere.io_bgpconfs.yaml',
      'network.kubesphere.io_bgppeers.yaml',
      'network.kubesphere.io_eips.yaml',
    ]);
  });

  it('has no stale or hand-added CRD files', () => {
    const onDisk = readdirSync(crdDir).filter((f) => f.startsWith('network.kubesphere.io_'));
    expect(onDisk.sort()).toEqual([...generated.keys()].sort());
  });

  for (const [name, content] of generated) {
    it(`${name} matches the generator (run: npm run build && npm run gen:crds)`, () => {
      expect(readFileSync(join(crdDir, name), 'utf8')).toBe(content);
    });
  }

  it('is already Prettier-formatted, so `npm run lint` accepts it', async () => {
    const options = await prettier.resolveConfig(join(crdDir, 'x.yaml'));
    for (const [name, content] of generated) {
      expect(await prettier.check(content, { ...options, parser: 'yaml' }), name).toBe(true);
    }
  });

  it('is deterministic', () => {
    expect([...renderCrdFiles()]).toEqual([...generated]);
  });
});
