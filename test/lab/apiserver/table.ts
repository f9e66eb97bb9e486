// CONTRACT between the local API server and the Table renderer (meta.k8s.io/v1 Table, which kubectl
// asks for with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).
// The signatures below are fixed; the implementation is a placeholder until the renderer lands.

/** additionalPrinterColumns entry of a CRD version. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
}

export interface TableTarget {
  /** Resource plural, e.g. 'services', 'eips'. */
  readonly resource: string;
  /** Printer columns from the CRD; undefined for built-in kinds (the renderer knows their columns). */
  readonly columns: readonly PrinterColumn[] | undefined;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Render objects as a meta.k8s.io/v1 Table. `now` makes the AGE column deterministic in tests. */
export function renderTable(
  _target: TableTarget,
  objects: readonly Record<string, unknown>[],
  listMeta: { readonly resourceVersion?: string; readonly continue?: string },
  _includeObject: IncludeObject,
  _now: Date,
): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 }],
    rows: objects.map((o) => ({
      cells: [(o['metadata'] as { name?: string } | undefined)?.name ?? ''],
      object: o,
    })),
  };
}
