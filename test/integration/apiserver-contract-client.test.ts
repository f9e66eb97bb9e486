// Contract tests of the local API through the real @kubernetes/client-node 1.4, plus the raw HTTP
// shape of error responses (status code and Status body) a real API server returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { ClientNodeDriver } from './contract/client-driver.js';
import { defineContractScenarios } from './contract/scenarios.js';

let api: LocalApi;
let driver: ClientNodeDriver;

beforeAll(async () => {
  api = await startLocalApi();
  driver = new ClientNodeDriver(api.kubeConfig());
});

afterAll(async () => {
  driver.close();
  await api.stop();
});

describe('local API contract through @kubernetes/client-node', () => {
  defineContractScenarios(() => driver);
});

async function raw(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ code: number; body: unknown }> {
  const res = await fetch(`${api.url}${path}`, {
    ...init,
    headers: { Authorization: 'Bearer admin', ...init.headers },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { code: res.status, body };
}

const json = { 'Content-Type': 'application/json' };

describe('local API error responses (HTTP status and Status body)', () => {
  it('KubeSphere console detection: GET /apis/network.kubesphere.io/v1alpha1/bgpconfs is a list', async () => {
    const r = await raw('/apis/network.kubesphere.io/v1alpha1/bgpconfs');
    expect(r.code).toBe(200);
    expect(r.body).toMatchObject({
      apiVersion: 'network.kubesphere.io/v1alpha1',
      kind: 'BgpConfList',
      items: expect.any(Array) as unknown,
    });
  });

  it('invalid Eip: 422 Invalid with details.causes', async () => {
    const r = await raw('/apis/network.kubesphere.io/v1alpha2/eips', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'bad' },
        spec: { address: '10.0.0.0/24', protocol: 'ospf' },
      }),
    });
    expect(r.code).toBe(422);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Eip.network.kubesphere.io "bad" is invalid: [spec.protocol: Unsupported value: "ospf": supported values: "bgp", "layer2", "vip", <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
      reason: 'Invalid',
      details: {
        name: 'bad',
        group: 'network.kubesphere.io',
        kind: 'Eip',
        causes: [
          {
            reason: 'FieldValueNotSupported',
            message: 'Unsupported value: "ospf": supported values: "bgp", "layer2", "vip"',
            field: 'spec.protocol',
          },
          {
            reason: 'FieldValueInvalid',
            message:
              'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
            field: '<nil>',
          },
        ],
      },
      code: 422,
    });
  });

  it('a single invalid field: message without brackets', async () => {
    const r = await raw('/apis/network.kubesphere.io/v1alpha2/eips', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'bad2' },
        spec: {},
      }),
    });
    expect(r.code).toBe(422);
    expect(r.body).toMatchObject({
      message: 'Eip.network.kubesphere.io "bad2" is invalid: spec.address: Required value',
      details: {
        causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.address' }],
      },
    });
  });

  it('unknown resource in a known group: 404 NotFound Status', async () => {
    const r = await raw('/apis/network.kubesphere.io/v1alpha2/foos');
    expect(r.code).toBe(404);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
  });

  it('missing object: 404 with name and kind in details', async () => {
    const r = await raw('/apis/network.kubesphere.io/v1alpha2/eips/nope');
    expect(r.code).toBe(404);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'eips.network.kubesphere.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'network.kubesphere.io', kind: 'eips' },
      code: 404,
    });
  });

  it('malformed JSON: 400 BadRequest Status', async () => {
    const r = await raw('/apis/network.kubesphere.io/v1alpha2/eips', {
      method: 'POST',
      headers: json,
      body: '{"apiVersion": ',
    });
    expect(r.code).toBe(400);
    expect(r.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('stale update: 409 Conflict Status with the real message', async () => {
    const body = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'rv' },
      spec: { address: '10.1.0.0/24' },
    };
    const created = await raw('/apis/network.kubesphere.io/v1alpha2/eips', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(body),
    });
    expect(created.code).toBe(201);
    const stale = { ...body, metadata: { name: 'rv', resourceVersion: '1' } };
    const r = await raw('/apis/network.kubesphere.io/v1alpha2/eips/rv', {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(stale),
    });
    expect(r.code).toBe(409);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on eips.network.kubesphere.io "rv": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'rv', group: 'network.kubesphere.io', kind: 'eips' },
      code: 409,
    });
  });
});
