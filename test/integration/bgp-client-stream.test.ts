/**
 * GobgpClient.addPaths (AddPathStream) and the binary ListPath decoding against a real gobgpd 3.10:
 * a batch larger than one stream message lands whole, both families list back with the same next
 * hops and origins as unary AddPath gives, and the paths withdraw by content.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GobgpClient } from '../../src/bgp/client.js';
import { GobgpError } from '../../src/bgp/errors.js';
import type { RouteInput } from '../../src/bgp/types.js';
import { Gobgpd, freePort, requireGobgpd } from './bgp-gobgpd.js';

describe('GobgpClient.addPaths against gobgpd 3.10', () => {
  let daemon: Gobgpd;
  let client: GobgpClient;

  beforeAll(async () => {
    requireGobgpd();
    daemon = new Gobgpd(await freePort());
    await daemon.start();
    client = new GobgpClient({ address: daemon.address });
    await client.startIfStopped({ asn: 64512, routerId: '10.255.0.1', listenPort: -1, listenAddresses: [] });
  });

  afterAll(async () => {
    client.close();
    await daemon.kill();
  });

  it('adds a batch larger than one stream message, listed back like unary AddPath routes', async () => {
    const v4: RouteInput[] = Array.from({ length: 700 }, (_, i) => ({
      prefix: `198.18.${String(i >> 8)}.${String(i & 255)}`,
      nextHop: '192.0.2.11',
    }));
    const added = await client.addPaths([
      ...v4,
      { prefix: '2001:db8::10', nextHop: '2001:db8:1::b' },
      { prefix: '203.0.113.0', prefixLen: 24, nextHop: '192.0.2.11', origin: 'egp' },
    ]);
    expect(added).toHaveLength(702);
    await client.addPath({ prefix: '203.0.113.200', nextHop: '192.0.2.12' });

    const listed4 = await client.listPaths('ipv4-unicast');
    expect(listed4).toHaveLength(702);
    expect(listed4.every((r) => r.local && r.best)).toBe(true);
    expect(listed4.find((r) => r.prefix === '198.18.2.187')).toMatchObject({
      prefixLen: 32,
      nextHop: '192.0.2.11',
      origin: 'igp',
    });
    expect(listed4.find((r) => r.prefix === '203.0.113.0')).toMatchObject({ prefixLen: 24, origin: 'egp' });
    expect(listed4.find((r) => r.prefix === '203.0.113.200')).toMatchObject({ nextHop: '192.0.2.12' });
    expect(await client.listPaths('ipv6-unicast')).toEqual([
      expect.objectContaining({
        prefix: '2001:db8::10',
        prefixLen: 128,
        nextHop: '2001:db8:1::b',
        local: true,
      }),
    ]);

    // Paths from the stream have no uuid: they go by content.
    await client.deletePathByContent({ prefix: '198.18.0.5', nextHop: '192.0.2.11' });
    expect((await client.listPaths('ipv4-unicast')).some((r) => r.prefix === '198.18.0.5')).toBe(false);
  });

  it('sends nothing when any route is invalid', async () => {
    const before = (await client.listPaths('ipv4-unicast')).length;
    const error = await client
      .addPaths([
        { prefix: '198.19.0.1', nextHop: '192.0.2.11' },
        { prefix: '198.19.0.2', nextHop: '127.0.0.1' },
      ])
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GobgpError);
    expect((error as GobgpError).kind).toBe('invalid-input');
    expect(await client.listPaths('ipv4-unicast')).toHaveLength(before);
    expect(await client.addPaths([])).toEqual([]);
  });
});
