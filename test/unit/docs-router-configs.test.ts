// docs/bgp-quickstart.md shows the FRR and BIRD configs the lab's router runs; this keeps the page
// identical to what the lab renders, so the documented configs are the tested ones.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderBirdConf } from '../lab/topology/bird.js';
import { renderBgpdConf } from '../lab/topology/frr.js';
import { DEFAULT_OPTIONS, planLab } from '../lab/topology/plan.js';

const doc = readFileSync(new URL('../../docs/bgp-quickstart.md', import.meta.url), 'utf8');

/** The first fenced block after a heading. */
function blockAfter(heading: string): string {
  const start = doc.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const open = doc.indexOf('```\n', start) + 4;
  return doc.slice(open, doc.indexOf('\n```', open));
}

describe('docs/bgp-quickstart.md', () => {
  const plan = planLab(DEFAULT_OPTIONS);

  it('shows the FRR config the lab router runs', () => {
    expect(blockAfter('### FRR 8.4')).toBe(renderBgpdConf(plan, '/var/log/frr/bgpd.log').trimEnd());
  });

  it('shows the BIRD config the lab router runs', () => {
    expect(blockAfter('### BIRD 2')).toBe(renderBirdConf(plan, '/var/log/bird.log').trimEnd());
  });
});
