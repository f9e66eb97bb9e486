// Committing changes and their side effects: resourceVersion stamping, Service allocation tracking,
// CRD (un)registration, and cascades (a namespace's contents, a CRD's objects).

import type { AdmissionDeps } from './admission.js';
import { crdResources } from './crd.js';
import { mutableMeta } from './objects.js';
import type { Registry, ResourceDef } from './registry.js';
import { metaString, type Obj, type Store } from './store.js';

/** Writes to the store on behalf of the verbs. */
export class Committer {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly deps: AdmissionDeps,
  ) {}

  /** Store `obj` with a new resourceVersion and run side effects. Returns the stored object. */
  commit(def: ResourceDef, ns: string, name: string, obj: Obj, old: Obj | undefined): Obj {
    const rv = this.store.nextRv();
    const stored: Obj = {
      ...obj,
      apiVersion: def.storageApiVersion,
    };
    mutableMeta(stored)['resourceVersion'] = String(rv);
    this.store.put(def.storageKey, ns, name, stored, rv);
    if (def.storageKey === '/services') this.deps.services.track(old, stored);
    if (def.storageKey === 'apiextensions.k8s.io/customresourcedefinitions') this.registerCrd(stored);
    return stored;
  }

  /** Remove an object now: DELETED event, then cascades (namespace contents, CRD instances). */
  removeObject(def: ResourceDef, ns: string, name: string, cur: Obj): Obj {
    const rv = this.store.nextRv();
    const final = structuredClone(cur);
    mutableMeta(final)['resourceVersion'] = String(rv);
    this.store.remove(def.storageKey, ns, name, final, rv);
    if (def.storageKey === '/services') this.deps.services.track(cur, undefined);
    if (def.storageKey === '/namespaces') this.cascadeNamespace(name);
    if (def.storageKey === 'apiextensions.k8s.io/customresourcedefinitions') this.unregisterCrd(name);
    return final;
  }

  private cascadeNamespace(ns: string): void {
    const seen = new Set<string>();
    for (const def of this.registry.allDefs()) {
      if (!def.namespaced || seen.has(def.storageKey)) continue;
      seen.add(def.storageKey);
      for (const o of this.store.list(def.storageKey, ns))
        this.removeObject(def, ns, metaString(o, 'name'), o);
    }
  }

  /** (Re)register the resources of a stored CRD. */
  registerCrd(crd: Obj): void {
    const name = metaString(crd, 'name');
    const { defs, preferred } = crdResources(crd, (n, v, s) => this.deps.schemas.compile(n, v, s));
    this.registry.removeCrd(name);
    for (const d of defs) this.registry.add(d, preferred);
  }

  private unregisterCrd(name: string): void {
    const defs = this.registry.allDefs().filter((d) => d.crdName === name);
    const first = defs[0];
    if (first !== undefined) {
      for (const o of this.store.list(first.storageKey, undefined)) {
        this.removeObject(first, metaString(o, 'namespace'), metaString(o, 'name'), o);
      }
      this.store.dropTable(first.storageKey);
    }
    this.registry.removeCrd(name);
  }
}
