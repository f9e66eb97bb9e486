/**
 * The informers both sides of a speaker read (Nodes, Services, Eips, EndpointSlices). One speaker
 * process opens one watch per kind and both the BGP and the layer2 side add their handlers to it,
 * instead of each side doubling the API server's watch load and the decode work on every change.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { API_GROUP, EIP, LABEL_EIP, STORAGE_VERSION } from '../api/keys.js';
import type { Clock } from '../kube/clock.js';
import type { Informer } from '../kube/informer.js';
import type { InformerHealthSink } from '../kube/informer-health.js';
import { createInformer } from '../kube/informers.js';
import { slimEip, slimEndpointSlice, slimNode, slimService } from './slim.js';

/** The informers shared by the BGP and layer2 speakers; whoever creates them starts them. */
export interface SharedSpeakerInformers {
  readonly nodes: Informer<KubernetesObject>;
  readonly services: Informer<KubernetesObject>;
  readonly eips: Informer<KubernetesObject>;
  readonly slices: Informer<KubernetesObject>;
}

/** Options of the shared informers. */
export interface SharedSpeakerInformerOptions {
  /**
   * Goes before each plural in logs and metric labels, so a side that owns private copies keeps its
   * own names (e.g. `layer2-services`).
   */
  readonly resourcePrefix?: string;
  /** Where list/watch failures and handler errors go (informerHealth); dropped when unset. */
  readonly health?: InformerHealthSink;
}

/** Creates (without starting) the four informers. */
export function createSharedSpeakerInformers(
  kc: KubeConfig,
  clock: Clock,
  { resourcePrefix = '', health }: SharedSpeakerInformerOptions = {},
): SharedSpeakerInformers {
  // Each informer caches only what the speaker reads (slim.ts): every node runs a speaker that holds
  // every Node and EndpointSlice of the cluster.
  const make = (
    group: string,
    version: string,
    plural: string,
    transform: (obj: KubernetesObject) => KubernetesObject,
    labelSelector?: string,
  ): Informer<KubernetesObject> =>
    createInformer(
      kc,
      { group, version, plural },
      {
        clock,
        ...(health === undefined ? {} : { health }),
        resource: `${resourcePrefix}${plural}`,
        transform,
        ...(labelSelector === undefined ? {} : { labelSelector }),
      },
    );
  return {
    nodes: make('', 'v1', 'nodes', slimNode),
    // Both sides skip every Service without the controller's Eip label (desired-bgp.ts,
    // desired-layer2.ts), so the API need not send them: a new Service's create event, a third of a
    // burst's Service events, never reaches a speaker. Losing the label reads as a delete, which
    // withdraws exactly what dropping the label did before.
    services: make('', 'v1', 'services', slimService, LABEL_EIP),
    eips: make(API_GROUP, STORAGE_VERSION, EIP.plural, slimEip),
    slices: make('discovery.k8s.io', 'v1', 'endpointslices', slimEndpointSlice),
  };
}

/** The shared informers as a list, in a fixed order. */
export function sharedInformerList(s: SharedSpeakerInformers): Informer<KubernetesObject>[] {
  return [s.nodes, s.services, s.eips, s.slices];
}

/** Runs every shared informer until `signal` aborts; resolves once all stopped. */
export async function runSharedSpeakerInformers(
  s: SharedSpeakerInformers,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(sharedInformerList(s).map((i) => i.start(signal)));
}

/**
 * The informers one side of a speaker reads, each kicking that side's reconcile on a relevant change.
 * The side waits for all of them to sync but starts only the ones it owns: shared informers are
 * started by whoever created them.
 */
export class SideInformers {
  readonly #all: Informer<KubernetesObject>[] = [];
  readonly #owned: Informer<KubernetesObject>[] = [];

  constructor(private readonly kick: () => void) {}

  /** Adds `informer` (kicking on changes that `relevant` accepts, or on all) and returns it. */
  watch(
    informer: Informer<KubernetesObject>,
    owned: boolean,
    relevant?: (before: KubernetesObject, after: KubernetesObject) => boolean,
  ): Informer<KubernetesObject> {
    kickOnChange(informer, this.kick, relevant);
    this.#all.push(informer);
    if (owned) this.#owned.push(informer);
    return informer;
  }

  /** Runs the owned informers until `signal` aborts; resolves once all stopped. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#owned.map((i) => i.start(signal)));
  }

  /** True once every informer, owned or shared, has synced; false if `signal` aborted first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const synced = await Promise.all(this.#all.map((i) => i.waitForSync(signal)));
    return synced.every(Boolean);
  }
}

/**
 * Calls `kick` on every add, update and delete of `informer`, or, given `relevant`, only on those that
 * change something relevant (an add compares with `{}`, a delete with `{}` after it).
 */
export function kickOnChange(
  informer: Informer<KubernetesObject>,
  kick: () => void,
  relevant?: (before: KubernetesObject, after: KubernetesObject) => boolean,
): void {
  if (relevant === undefined) {
    informer.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
    return;
  }
  informer.addHandlers({
    onAdd: (obj) => {
      if (relevant({}, obj)) kick();
    },
    onUpdate: (before, after) => {
      if (relevant(before, after)) kick();
    },
    onDelete: (obj) => {
      if (relevant(obj, {})) kick();
    },
  });
}
