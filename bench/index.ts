import { apiserverListWatch } from './apiserver-list-watch.js';

export type Benchmark = () => Promise<Record<string, number | string>>;

export const benchmarks: Record<string, Benchmark> = {
  'apiserver-list-watch': apiserverListWatch,
  allocator: async () => (await import('./allocator.js')).allocatorBench(),
  bgp: async () => (await import('./bgp.js')).bgpBench(),
  converge: async () => (await import('./converge.js')).convergeBench(),
  layer2: async () => (await import('./layer2.js')).layer2Bench(),
};
