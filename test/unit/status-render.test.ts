import { describe, expect, it } from 'vitest';
import { buildStatusView } from '../../src/status/model.js';
import { renderJson } from '../../src/status/render-json.js';
import { humanSeconds, renderText, usageBar } from '../../src/status/render-text.js';
import { runStatus, useColour, type StatusIo } from '../../src/status/command.js';
import type { Lister } from '../../src/status/gather.js';
import { NOW, snapshot } from './status-fixtures.js';

const view = buildStatusView(snapshot(), { nowMs: NOW, speakerNamespace: 'openelb-system' });
const ESC = '\u001b[';

describe('usage bar', () => {
  it('is ten cells wide with counts', () => {
    expect(usageBar(12, 254)).toBe('[-#--------] 12/254'.replace('-#', '#-'));
    expect(usageBar(0, 254)).toBe('[----------] 0/254');
    expect(usageBar(127, 254)).toBe('[#####-----] 127/254');
    expect(usageBar(254, 254)).toBe('[##########] 254/254');
    expect(usageBar(1, 1_000_000)).toBe('[#---------] 1/1000000');
    expect(usageBar(999_999, 1_000_000)).toBe('[#########-] 999999/1000000');
    expect(usageBar(3, null)).toBe('[??????????] 3/?');
  });
});

describe('text', () => {
  const text = renderText(view, { colour: false });
  const lines = text.split('\n');

  it('has the Eip table with bars, flags and problems under the row', () => {
    expect(lines[0]).toBe('EIPS');
    expect(lines[1]).toMatch(/^NAME\s+PROTOCOL\s+INTERFACE\s+ADDRESS\s+USAGE\s+FLAGS$/);
    expect(lines[2]).toMatch(/^eip-bgp\s+bgp\s+192\.168\.0\.0\/24\s+\[#---------\] 2\/256\s+default$/);
    expect(lines[3]).toMatch(
      /^eip-l2\s+layer2\s+eth0\s+10\.0\.0\.10-10\.0\.0\.20\s+\[#---------\] 1\/11\s+disabled$/,
    );
    expect(lines[4]).toMatch(/^eip-overlap\s+bgp\s+192\.168\.0\.128\/25\s+\[-{10}\] 0\/128$/);
    expect(lines[5]).toBe('  ! Valid=False AddressOverlap: overlaps Eip eip-bgp (192.168.0.0/24)');
    // Columns line up: USAGE starts at the same offset on every row.
    const col = lines[1]?.indexOf('USAGE');
    expect(lines[2]?.indexOf('[')).toBe(col);
    expect(lines[3]?.indexOf('[')).toBe(col);
  });

  it('flags a full Eip from its status, though a /24 is full at 254 of 256', () => {
    const base = snapshot();
    const [first, ...rest] = base.eips;
    if (first === undefined) throw new Error('no Eip in the fixture');
    const full = { ...first, status: { ...first.status, usage: 254, poolSize: 256, occupied: true } };
    const out = renderText(
      buildStatusView({ ...base, eips: [full, ...rest] }, { nowMs: NOW, speakerNamespace: 'openelb-system' }),
      { colour: false },
    );
    expect(out).toMatch(/^eip-bgp\s+bgp\s+192\.168\.0\.0\/24\s+\[#{10}\] 254\/256\s+default,full$/m);
    expect(lines[2]).not.toContain('full');
  });

  it("lists Nodes' own addresses under their Eip's row", () => {
    const base = snapshot();
    const nodes = [
      ...base.nodes,
      { metadata: { name: 'lan' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.12' }] } },
    ];
    const out = renderText(
      buildStatusView({ ...base, nodes }, { nowMs: NOW, speakerNamespace: 'openelb-system' }),
      {
        colour: false,
      },
    ).split('\n');
    const row = out.findIndex((l) => l.startsWith('eip-l2 '));
    expect(out[row + 1]).toBe("  ~ Nodes' own addresses, never handed out: 10.0.0.12 (Node lan)");
  });

  it('shows who announces each Service IP', () => {
    expect(text).toMatch(/^default\/web\s+eip-bgp\s+bgp\s+192\.168\.0\.1\s+node-a, node-b$/m);
    expect(text).toMatch(/^default\/local\s+eip-bgp\s+bgp\s+192\.168\.0\.2\s+node-b$/m);
    expect(text).toMatch(/^default\/l2\s+eip-l2\s+layer2\s+10\.0\.0\.10\s+node-[ab] \(inferred\)$/m);
    expect(text.slice(text.indexOf('SERVICES'), text.indexOf('BGP SESSIONS'))).not.toContain('default/pend');
  });

  it('shows BGP sessions and pending Services with reasons', () => {
    expect(text).toMatch(/^node-a\s+tor\s+172\.18\.0\.100\s+65001\s+ACTIVE$/m);
    expect(text).toMatch(/^node-b\s+tor\s+172\.18\.0\.100\s+65001\s+ESTABLISHED\s+1h2m\s+9s$/m);
    expect(text).toMatch(
      /^PENDING SERVICES\nSERVICE\s+REASON\ndefault\/pend\s+Eip eip-l2 is disabled\ndefault\/quiet\s+no event yet$/m,
    );
    expect(text).not.toContain(ESC);
    expect(text.endsWith('no event yet\n')).toBe(true);
  });

  it('adds a WHY column to BGP sessions only when a down session has a hint', () => {
    expect(text).toMatch(/^NODE\s+BGPPEER\s+PEER ADDRESS\s+PEER AS\s+STATE\s+UPTIME\s+HOLD$/m);
    const bgpSessions = view.bgpSessions.map((s) =>
      s.state === 'ACTIVE' ? { ...s, hint: 'gobgpd refused the peer' } : s,
    );
    const withHint = renderText({ ...view, bgpSessions }, { colour: false });
    expect(withHint).toMatch(/^NODE\s+BGPPEER\s+PEER ADDRESS\s+PEER AS\s+STATE\s+UPTIME\s+HOLD\s+WHY$/m);
    expect(withHint).toMatch(/^node-a\s+tor\s+172\.18\.0\.100\s+65001\s+ACTIVE\s+gobgpd refused the peer$/m);
    expect(withHint).toMatch(/^node-b\s+tor\s+172\.18\.0\.100\s+65001\s+ESTABLISHED\s+1h2m\s+9s$/m);

    const unselected = {
      ...bgpSessions[0],
      node: '',
      bgpPeer: 'rack9',
      state: 'NO NODE',
      hint: 'selects no Node',
    };
    const withNoNode = renderText(
      { ...view, bgpSessions: [unselected] as typeof bgpSessions },
      { colour: false },
    );
    expect(withNoNode).toMatch(/^\(none\)\s+rack9\s+172\.18\.0\.100\s+65001\s+NO NODE\s+selects no Node$/m);
  });

  it('lists every Node with whether it may announce, and why not', () => {
    expect(text).toMatch(/^NODES\nNODE\s+ADDRESSES\s+ANNOUNCES\s+REASON$/m);
    expect(text).toMatch(/^node-a\s+172\.18\.0\.1\s+yes\s+Ready, speaker Lease fresh$/m);
    expect(text).toMatch(
      /^node-c\s+172\.18\.0\.3\s+no\s+speaker Lease openelb-speaker-node-c expired \d+ ms ago$/m,
    );
    expect(renderText(view, { colour: true })).toContain(`${ESC}31mno${ESC}0m`);
  });

  it('lists address conflicts in their own section, only when there are some', () => {
    expect(text).not.toContain('ADDRESS CONFLICTS');
    const conflicts = [
      { namespace: 'default', name: 'l2', message: 'node-a: another host ...', eventTime: null },
    ];
    const withConflict = renderText({ ...view, conflicts }, { colour: false });
    expect(withConflict).toMatch(
      /^ADDRESS CONFLICTS\nSERVICE\s+CONFLICT\ndefault\/l2\s+node-a: another host \.\.\.$/m,
    );
  });

  it('colours states and reasons only when asked', () => {
    const coloured = renderText(view, { colour: true });
    expect(coloured).toContain(`${ESC}32mESTABLISHED`);
    expect(coloured).toContain(`${ESC}31mACTIVE`);
    expect(coloured).toContain(`${ESC}33mno event yet${ESC}0m`);
    // Stripped of colour, the layout is the same.
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(text);
  });

  it('says so when there is nothing, and prints warnings', () => {
    const empty = buildStatusView(
      snapshot({
        eips: [],
        services: [],
        bgpPeers: [],
        nodes: [],
        warnings: ['cannot list BgpPeers: HTTP 403'],
      }),
      { nowMs: NOW, speakerNamespace: 'openelb-system' },
    );
    expect(renderText(empty, { colour: false })).toBe(
      'EIPS\nNo Eips.\n\nSERVICES\nNo OpenELB Service has an IP.\n\nBGP SESSIONS\nNo BGP sessions reported.\n\n' +
        'NODES\nNo Nodes known.\n\nPENDING SERVICES\nNone.\n\nwarning: cannot list BgpPeers: HTTP 403\n',
    );
  });

  it('formats durations', () => {
    expect([humanSeconds(42), humanSeconds(307), humanSeconds(3723), humanSeconds(273_600)]).toEqual([
      '42s',
      '5m7s',
      '1h2m',
      '3d4h',
    ]);
  });
});

describe('json', () => {
  it('is one document with stable top-level keys and no colour', () => {
    const out = renderJson(view);
    expect(out).not.toContain(ESC);
    const doc = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual([
      'apiVersion',
      'generatedAt',
      'eips',
      'services',
      'bgpSessions',
      'nodes',
      'pending',
      'conflicts',
      'warnings',
    ]);
    expect(doc.apiVersion).toBe('openelb-manager.status/v1');
    expect(doc.generatedAt).toBe('2025-03-01T12:00:00.000Z');
    expect(Object.keys((doc.eips as object[])[0] ?? {})).toEqual([
      'name',
      'protocol',
      'interface',
      'address',
      'usage',
      'poolSize',
      'usageFrom',
      'occupied',
      'disabled',
      'default',
      'problems',
      'nodeAddresses',
    ]);
  });
});

describe('command', () => {
  const io = (
    isTTY: boolean,
    env: Record<string, string> = {},
  ): StatusIo & { out: string[]; err: string[] } => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      stdout: { isTTY, write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env,
      now: () => NOW,
    };
  };
  const lister: Lister = (ref) => {
    const s = snapshot();
    const byPlural: Record<string, readonly unknown[]> = {
      eips: s.eips,
      services: s.services,
      nodes: s.nodes,
      leases: s.leases,
      endpointslices: s.endpointSlices,
      bgppeers: s.bgpPeers,
      events: s.events,
    };
    return Promise.resolve(byPlural[ref.plural] ?? []);
  };

  it('colours only on a TTY without NO_COLOR', () => {
    expect(useColour(io(true))).toBe(true);
    expect(useColour(io(false))).toBe(false);
    expect(useColour(io(true, { NO_COLOR: '1' }))).toBe(false);
    expect(useColour(io(true, { NO_COLOR: '' }))).toBe(true);
  });

  it('never colours json, even on a TTY', async () => {
    const tty = io(true);
    expect(await runStatus({ namespace: 'openelb-system', output: 'json' }, tty, lister)).toBe(0);
    expect(tty.out.join('')).not.toContain(ESC);
    expect(JSON.parse(tty.out.join('')) as unknown).toEqual(JSON.parse(renderJson(view)));
    const text = io(true);
    await runStatus({ namespace: 'openelb-system', output: 'text' }, text, lister);
    expect(text.out.join('')).toContain(ESC);
  });

  it('fails with a message when Eips cannot be listed; degrades on the others', async () => {
    const failing =
      (plural: string): Lister =>
      (ref) =>
        ref.plural === plural
          ? Promise.reject(
              Object.assign(new Error('x'), { code: 403, body: '{"message":"eips is forbidden"}' }),
            )
          : lister(ref);
    const bad = io(false);
    expect(await runStatus({ namespace: 'openelb-system', output: 'text' }, bad, failing('eips'))).toBe(1);
    expect(bad.err.join('')).toBe('error: cannot list Eips: HTTP 403: eips is forbidden\n');
    const partial = io(false);
    expect(
      await runStatus({ namespace: 'openelb-system', output: 'text' }, partial, failing('bgppeers')),
    ).toBe(0);
    expect(partial.out.join('')).toContain('warning: cannot list BgpPeers: HTTP 403: eips is forbidden');
  });
});
