/**
 * Pure: the status view as text tables. ANSI colour only when the caller says so (a TTY without NO_COLOR);
 * columns are padded before colouring so colour never shifts the layout.
 */
import type { AddressView, BgpSessionView, EipView, StatusView } from './view.js';

/** Options of {@link renderText}. */
export interface TextOptions {
  readonly colour: boolean;
}

/** Width of the usage bar between the brackets. */
export const BAR_WIDTH = 10;

type Colour = 'red' | 'green' | 'yellow' | 'dim' | 'bold';
const CODES: Readonly<Record<Colour, string>> = {
  red: '31',
  green: '32',
  yellow: '33',
  dim: '2',
  bold: '1',
};

interface Cell {
  readonly text: string;
  readonly colour?: Colour;
}

/**
 * `[#####-----] 12/254`. A pool with any address in use shows at least one `#`, and one that is not full
 * shows at least one `-`, so "almost empty" and "exhausted" are never drawn wrong by rounding.
 */
export function usageBar(
  usage: number,
  poolSize: number | null,
  occupied = poolSize !== null && usage >= poolSize,
): string {
  if (poolSize === null || poolSize <= 0) return `[${'?'.repeat(BAR_WIDTH)}] ${String(usage)}/?`;
  let filled = Math.round((usage / poolSize) * BAR_WIDTH);
  if (usage > 0) filled = Math.max(filled, 1);
  // Full only when nothing is left to hand out (a full /24 is 254/256), never one short of it.
  filled = occupied ? BAR_WIDTH : Math.min(filled, BAR_WIDTH - 1);
  filled = Math.min(Math.max(filled, 0), BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(usage)}/${String(poolSize)}`;
}

/** "3d4h", "5m7s", "42s". */
export function humanSeconds(total: number): string {
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${String(d)}d${String(h)}h`;
  if (h > 0) return `${String(h)}h${String(m)}m`;
  if (m > 0) return `${String(m)}m${String(s)}s`;
  return `${String(s)}s`;
}

function table(header: readonly string[], rows: readonly (readonly Cell[])[], paint: Painter): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  // Padding goes outside the colour codes, so trimming and alignment behave the same with and without colour.
  const line = (cells: readonly Cell[]): string =>
    cells
      .map((c, i) => {
        const pad = i === cells.length - 1 ? '' : ' '.repeat(Math.max(0, (widths[i] ?? 0) - c.text.length));
        return `${paint(c.text, c.colour)}${pad}`;
      })
      .join('  ')
      .trimEnd();
  return [line(header.map((text) => ({ text, colour: 'bold' }))), ...rows.map(line)];
}

type Painter = (text: string, colour: Colour | undefined) => string;

function painter(colour: boolean): Painter {
  return (text, c) =>
    !colour || c === undefined || text === '' ? text : `\u001b[${CODES[c]}m${text}\u001b[0m`;
}

function eipRows(eips: readonly EipView[], paint: Painter): string[] {
  if (eips.length === 0) return ['No Eips.'];
  const rows = eips.map((e): Cell[] => {
    const flags = [e.default ? 'default' : '', e.disabled ? 'disabled' : '', e.occupied ? 'full' : ''].filter(
      (f) => f !== '',
    );
    // From the Eip's `occupied`: a full /24 is 254/256, as network and broadcast are never handed out.
    const full = e.occupied;
    return [
      { text: e.name },
      { text: e.protocol },
      { text: e.interface ?? '' },
      { text: e.address },
      { text: usageBar(e.usage, e.poolSize, e.occupied), ...(full ? { colour: 'red' as const } : {}) },
      {
        text: flags.join(','),
        ...(e.occupied ? { colour: 'red' as const } : e.disabled ? { colour: 'yellow' as const } : {}),
      },
    ];
  });
  const lines = table(['NAME', 'PROTOCOL', 'INTERFACE', 'ADDRESS', 'USAGE', 'FLAGS'], rows, paint);
  // Problems go under their Eip's row (after the header line at index 0).
  const out = [lines[0] ?? ''];
  eips.forEach((e, i) => {
    out.push(lines[i + 1] ?? '');
    for (const p of e.problems) out.push(paint(`  ! ${p.type}=False ${p.reason}: ${p.message}`, 'red'));
    if (e.nodeAddresses.length > 0)
      out.push(paint(`  ~ Nodes' own addresses, never handed out: ${e.nodeAddresses.join(', ')}`, 'yellow'));
  });
  return out;
}

function announcedBy(a: AddressView): Cell {
  if (a.announcers.length === 0) return { text: `nobody: ${a.reason}`, colour: 'red' };
  return { text: `${a.announcers.join(', ')}${a.inferred ? ' (inferred)' : ''}` };
}

function serviceRows(view: StatusView, paint: Painter): string[] {
  const rows: Cell[][] = [];
  for (const s of view.services) {
    for (const a of s.addresses) {
      rows.push([
        { text: `${s.namespace}/${s.name}` },
        { text: s.eip ?? '' },
        { text: s.protocol ?? '?' },
        { text: a.ip },
        announcedBy(a),
      ]);
    }
  }
  if (rows.length === 0) return ['No OpenELB Service has an IP.'];
  return table(['SERVICE', 'EIP', 'PROTOCOL', 'IP', 'ANNOUNCED BY'], rows, paint);
}

function sessionRows(sessions: readonly BgpSessionView[], paint: Painter): string[] {
  if (sessions.length === 0) return ['No BGP sessions reported.'];
  const rows = sessions.map((s): Cell[] => [
    { text: s.node === '' ? '(none)' : s.node },
    { text: s.bgpPeer },
    { text: s.peerAddress },
    { text: s.peerAs === null ? '?' : String(s.peerAs) },
    { text: s.state, colour: s.state === 'ESTABLISHED' ? 'green' : 'red' },
    { text: s.uptimeSeconds === null ? '' : humanSeconds(s.uptimeSeconds) },
    { text: s.holdTimeSeconds === null ? '' : humanSeconds(s.holdTimeSeconds) },
  ]);
  const headers = ['NODE', 'BGPPEER', 'PEER ADDRESS', 'PEER AS', 'STATE', 'UPTIME', 'HOLD'];
  // The column only when a session is down with a hint: most of the time every session is up.
  if (sessions.some((s) => s.hint !== null)) {
    headers.push('WHY');
    sessions.forEach((s, i) => rows[i]?.push({ text: s.hint ?? '', colour: 'red' }));
  }
  return table(headers, rows, paint);
}

function nodeRows(view: StatusView, paint: Painter): string[] {
  if (view.nodes.length === 0) return ['No Nodes known.'];
  const rows = view.nodes.map((n): Cell[] => [
    { text: n.name },
    { text: n.addresses.join(', ') },
    n.eligible ? { text: 'yes', colour: 'green' } : { text: 'no', colour: 'red' },
    n.eligible ? { text: n.reason } : { text: n.reason, colour: 'red' },
  ]);
  return table(['NODE', 'ADDRESSES', 'ANNOUNCES', 'REASON'], rows, paint);
}

function pendingRows(view: StatusView, paint: Painter): string[] {
  if (view.pending.length === 0) return ['None.'];
  const rows = view.pending.map((p): Cell[] => [
    { text: `${p.namespace}/${p.name}` },
    { text: p.reason, colour: 'yellow' },
  ]);
  return table(['SERVICE', 'REASON'], rows, paint);
}

function conflictRows(view: StatusView, paint: Painter): string[] {
  const rows = view.conflicts.map((c): Cell[] => [
    { text: `${c.namespace}/${c.name}` },
    { text: c.message, colour: 'red' },
  ]);
  return table(['SERVICE', 'CONFLICT'], rows, paint);
}

/** The status as text, ending with a newline. */
export function renderText(view: StatusView, options: TextOptions): string {
  const paint = painter(options.colour);
  const section = (title: string, lines: readonly string[]): string[] => [paint(title, 'bold'), ...lines, ''];
  const out = [
    ...section('EIPS', eipRows(view.eips, paint)),
    ...section('SERVICES', serviceRows(view, paint)),
    ...section('BGP SESSIONS', sessionRows(view.bgpSessions, paint)),
    ...section('NODES', nodeRows(view, paint)),
    ...section('PENDING SERVICES', pendingRows(view, paint)),
    // Only when there is one: most clusters never see this section.
    ...(view.conflicts.length > 0 ? section('ADDRESS CONFLICTS', conflictRows(view, paint)) : []),
  ];
  for (const w of view.warnings) out.push(paint(`warning: ${w}`, 'yellow'));
  while (out.at(-1) === '') out.pop();
  return `${out.join('\n')}\n`;
}
