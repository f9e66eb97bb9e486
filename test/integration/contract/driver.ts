// The operations every contract scenario needs, implemented twice: by the real kubectl 1.32 and by
// the real @kubernetes/client-node 1.4. Scenarios are written once against this interface so both
// clients are held to the same behaviour of the local API.

export type Obj = Record<string, unknown>;

/** What a write returned: success, or the API error reduced to what both clients expose. */
export type Outcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Status.reason (client-node) or the "(Reason)" kubectl prints; 'Invalid' for 422. */
      readonly reason: string;
      /** Whatever the client shows the user: Status.message, or kubectl's stderr. */
      readonly message: string;
    };

/** A resource as kubectl names it on the command line, plus what client-node needs. */
export interface Ref {
  /** Plural, e.g. eips. */
  readonly resource: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface WatchEvent {
  readonly type: string;
  readonly name: string;
}

export interface ContractDriver {
  readonly client: 'kubectl' | 'client-node';
  /** Every served resource as `plural[.group]` (kubectl api-resources -o name). */
  apiResources(): Promise<string[]>;
  /** The object, or undefined when the server answers NotFound. */
  get(ref: Ref): Promise<Obj | undefined>;
  /** Names of the objects of a kind, optionally filtered by a label selector. */
  list(ref: Omit<Ref, 'name'>, labelSelector?: string): Promise<string[]>;
  create(obj: Obj): Promise<Outcome>;
  /** kubectl apply -f (client-side apply); client-node: create, or merge-patch when it exists. */
  apply(obj: Obj): Promise<Outcome>;
  annotate(ref: Ref, key: string, value: string): Promise<Outcome>;
  label(ref: Ref, key: string, value: string): Promise<Outcome>;
  patchMerge(ref: Ref, patch: Obj): Promise<Outcome>;
  /** PUT the object as given (its metadata.resourceVersion is a precondition). */
  replace(obj: Obj): Promise<Outcome>;
  /** Delete and resolve once the object is gone (waits for finalizers, like kubectl delete --wait). */
  deleteAndWait(ref: Ref, timeoutMs: number): Promise<Outcome>;
  /** Watch a kind; `stop` ends the watch (kills kubectl, aborts the client's request). */
  watch(ref: Omit<Ref, 'name'>, onEvent: (e: WatchEvent) => void): Promise<{ stop: () => void }>;
}

/** Resolve when `check` passes, or reject after `timeoutMs` with the last failure. */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 5_000,
  stepMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}
