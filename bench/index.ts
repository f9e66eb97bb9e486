// Each benchmark's modules load only when it runs: a benchmark measured in this process should not
// share its heap with another one's modules (the local API and client-node are tens of MB).
export type Benchmark = () => Promise<Record<string, number | string>>;

export const benchmarks: Record<string, Benchmark> = {
  'apiserver-list-watch': async () => (await import('./apiserver-list-watch.js')).apiserverListWatch(),
  allocator: async () => (await import('./allocator.js')).allocatorBench(),
  bgp: async () => (await import('./bgp.js')).bgpBench(),
  converge: async () => (await import('./converge.js')).convergeBench(),
  layer2: async () => (await import('./layer2.js')).layer2Bench(),
  'layer2-elections': async () => (await import('./layer2-elections.js')).layer2ElectionsBench(),
  soak: async () => (await import('./soak.js')).soakBench(),
  speaker: async () => (await import('./speaker.js')).speakerBench(),
};
