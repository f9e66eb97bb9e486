/**
 * proto/gobgp declares a subset of the gobgp 3.10 API. This test fails when any message, field,
 * enum value or RPC we declare differs from upstream 3.10: it downloads Debian's
 * golang-github-osrg-gobgp-dev (the Go sources, which ship the .proto files) with `apt-get download`,
 * unpacks it with `dpkg-deb -x` (no install), compiles both trees with buf and compares descriptors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import type { FileDescriptorSet } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffDescriptorSets, indexDescriptorSet } from './bgp-proto-diff.js';

const REPO = join(import.meta.dirname, '..', '..');
const BUF = join(REPO, 'node_modules', '.bin', 'buf');
const DEB_PACKAGE = 'golang-github-osrg-gobgp-dev';
const UPSTREAM_API_DIR = 'usr/share/gocode/src/github.com/osrg/gobgp/api';

function compile(dir: string): FileDescriptorSet {
  const bytes = execFileSync(BUF, ['build', dir, '-o', '-#format=binpb'], { maxBuffer: 64 << 20 });
  return fromBinary(FileDescriptorSetSchema, bytes);
}

function fetchUpstream(work: string): string {
  try {
    execFileSync('apt-get', ['download', DEB_PACKAGE], { cwd: work, stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(
      `apt-get download ${DEB_PACKAGE} failed; the gobgp proto compatibility check needs Debian's apt ` +
        `(run apt-get update first). apt said: ${stderr.trim()}`,
    );
  }
  const deb = readdirSync(work).find((f) => f.startsWith(DEB_PACKAGE) && f.endsWith('.deb'));
  if (deb === undefined) throw new Error(`apt-get download produced no ${DEB_PACKAGE} .deb in ${work}`);
  const version = execFileSync('dpkg-deb', ['-f', join(work, deb), 'Version'])
    .toString()
    .trim();
  if (!version.startsWith('3.10.')) {
    throw new Error(`Debian now ships ${DEB_PACKAGE} ${version}; this test pins the 3.10 API`);
  }
  execFileSync('dpkg-deb', ['-x', join(work, deb), join(work, 'root')]);
  return join(work, 'root', UPSTREAM_API_DIR);
}

describe('proto/gobgp against upstream gobgp 3.10', () => {
  let work = '';
  let ours: FileDescriptorSet;
  let upstream: FileDescriptorSet;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'bgp-proto-compat-'));
    upstream = compile(fetchUpstream(work));
    ours = compile(join(REPO, 'proto', 'gobgp'));
  }, 120_000);

  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('declares only what upstream declares, with the same numbers, types and streaming', () => {
    expect(diffDescriptorSets(ours, upstream)).toEqual([]);
  });

  it('covers every RPC and message the client uses', () => {
    const index = indexDescriptorSet(ours);
    const service = index.services.get('apipb.GobgpApi');
    expect(service?.method.map((m) => m.name).sort()).toEqual(
      [
        'AddPath',
        'AddPathStream',
        'AddPeer',
        'DeletePath',
        'DeletePeer',
        'GetBgp',
        'ListDefinedSet',
        'ListPath',
        'ListPeer',
        'ListPolicy',
        'ListPolicyAssignment',
        'ResetPeer',
        'SetPolicies',
        'SetPolicyAssignment',
        'StartBgp',
        'StopBgp',
        'UpdatePeer',
        'WatchEvent',
      ].sort(),
    );
    for (const name of [
      'Global',
      'Peer',
      'PeerConf',
      'PeerState',
      'Timers',
      'Transport',
      'EbgpMultihop',
      'GracefulRestart',
      'AfiSafi',
      'AddPaths',
      'MpGracefulRestart',
      'Family',
      'Path',
      'Destination',
      'IPAddressPrefix',
      'OriginAttribute',
      'NextHopAttribute',
      'MpReachNLRIAttribute',
      'DefinedSet',
      'Policy',
      'Statement',
      'Conditions',
      'Actions',
      'PolicyAssignment',
      'ResetPeerRequest',
      'AddPathStreamRequest',
    ]) {
      expect(index.messages.has(`apipb.${name}`), name).toBe(true);
    }
    expect(index.enums.has('apipb.TableType')).toBe(true);
  });

  it('detects a changed field number, a renamed enum value and a wrong RPC stream flag', () => {
    const broken = structuredClone(ours);
    const gobgp = broken.file.find((f) => f.name === 'gobgp.proto');
    const global = gobgp?.messageType.find((m) => m.name === 'Global');
    const asn = global?.field.find((f) => f.name === 'asn');
    const tableType = gobgp?.enumType.find((e) => e.name === 'TableType');
    const getBgp = gobgp?.service[0]?.method.find((m) => m.name === 'GetBgp');
    if (asn === undefined || tableType?.value[0] === undefined || getBgp === undefined) {
      throw new Error('fixture: expected Global.asn, TableType and GetBgp in our descriptors');
    }
    asn.number = 99;
    tableType.value[0].number = 7;
    getBgp.serverStreaming = true;
    const problems = diffDescriptorSets(broken, upstream);
    expect(problems).toContain('apipb.Global.asn: number 99, upstream 1');
    expect(problems).toContain('enum apipb.TableType value GLOBAL: 7, upstream 0');
    expect(problems).toContain('rpc apipb.GobgpApi.GetBgp: server streaming true, upstream false');
  });
});
