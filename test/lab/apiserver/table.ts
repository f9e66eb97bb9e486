// CONTRACT between the local API server and the Table renderer (meta.k8s.io/v1 Table, which kubectl
// asks for with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).
// The signatures of PrinterColumn, TableTarget, IncludeObject and renderTable are fixed.
//
// Faithful to the real server: custom resources get a Name column then exactly their
// additionalPrinterColumns (or a single Age column when the CRD declares none); a missing value is
// a null cell, which kubectl prints as an empty cell; date columns become ages (5s, 3m2s, 4h, 2d3h).
// Built-in kinds use the kubernetes printers' columns (table/printers.ts); kinds without a printer
// (e.g. customresourcedefinitions) get the default convertor's Name + Created At.

import { age, evalJsonPath, parseJsonPath } from './table/format.js';
import {
  builtinPrinter,
  col,
  CREATED_DESCRIPTION,
  DEFAULT_PRINTER,
  NAME_COLUMN,
  type ColumnDefinition,
  type Printer,
} from './table/printers.js';

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

/** What a CRD without additionalPrinterColumns shows (apiextensions' default). */
const DEFAULT_CRD_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: CREATED_DESCRIPTION },
];

/** Go's fmt %v of a JSON scalar, as jsonpath prints it into a string column. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return '<nil>';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** apiextensions' cellForJSONValue: typed cells, null when the value does not fit the column type. */
function cell(type: string, v: unknown, now: Date): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'string':
      return text(v);
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      if (typeof v !== 'string') return null;
      return Number.isNaN(Date.parse(v)) ? '<invalid>' : age(v, now);
    default:
      return null;
  }
}

function crdPrinter(columns: readonly PrinterColumn[]): Printer {
  const used = columns.length > 0 ? columns : DEFAULT_CRD_COLUMNS;
  const compiled = used.map((c) => ({ column: c, steps: parseJsonPath(c.jsonPath) }));
  const definitions: ColumnDefinition[] = [
    NAME_COLUMN,
    ...used.map((c) =>
      col(c.name, c.description ?? '', { type: c.type, format: c.format ?? '', priority: c.priority ?? 0 }),
    ),
  ];
  return {
    columns: definitions,
    row: (o, now) => {
      const meta = o['metadata'];
      const name =
        typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['name'] : undefined;
      return [
        typeof name === 'string' ? name : '',
        ...compiled.map(({ column, steps }) => {
          if (steps === undefined) return null;
          const found = evalJsonPath(o, steps);
          return cell(column.type, found[0], now);
        }),
      ];
    },
  };
}

function rowObject(
  o: Record<string, unknown>,
  includeObject: IncludeObject,
): Record<string, unknown> | undefined {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return o;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o['metadata'] ?? {} };
  }
}

/** Render objects as a meta.k8s.io/v1 Table. `now` makes the AGE column deterministic in tests. */
export function renderTable(
  target: TableTarget,
  objects: readonly Record<string, unknown>[],
  listMeta: { readonly resourceVersion?: string; readonly continue?: string },
  includeObject: IncludeObject,
  now: Date,
): Record<string, unknown> {
  const printer =
    target.columns !== undefined
      ? crdPrinter(target.columns)
      : (builtinPrinter(target.resource) ?? DEFAULT_PRINTER);
  const metadata: Record<string, string> = {};
  if (listMeta.resourceVersion !== undefined) metadata['resourceVersion'] = listMeta.resourceVersion;
  if (listMeta.continue !== undefined && listMeta.continue !== '') metadata['continue'] = listMeta.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((o) => {
      const object = rowObject(o, includeObject);
      return object === undefined ? { cells: printer.row(o, now) } : { cells: printer.row(o, now), object };
    }),
  };
}
