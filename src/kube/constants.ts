/**
 * The one field manager name used for every write this project makes (status patches, labels,
 * finalizers, Events). One name keeps `metadata.managedFields` readable and lets a future move to
 * server-side apply take ownership of exactly the fields we wrote.
 */
export const FIELD_MANAGER = 'openelb-manager';

/** `source.component` / `reportingComponent` of the Events we record. */
export const EVENT_COMPONENT = 'openelb-manager';
