/**
 * Compares two compiled proto descriptor sets: every message, field, enum value and RPC declared in
 * `ours` must exist in `upstream` with the same number, type, label, oneof and streaming flags.
 * Things upstream has and we leave out are fine (protobuf keeps them as unknown fields).
 */
import { isFieldSet } from '@bufbuild/protobuf';
import { FieldDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type {
  DescriptorProto,
  EnumDescriptorProto,
  FieldDescriptorProto,
  FileDescriptorSet,
  ServiceDescriptorProto,
} from '@bufbuild/protobuf/wkt';

export interface DescriptorIndex {
  messages: Map<string, DescriptorProto>;
  enums: Map<string, EnumDescriptorProto>;
  services: Map<string, ServiceDescriptorProto>;
}

/** Indexes every message, enum and service of a set by its full name, e.g. `apipb.Peer`. */
export function indexDescriptorSet(set: FileDescriptorSet): DescriptorIndex {
  const index: DescriptorIndex = { messages: new Map(), enums: new Map(), services: new Map() };
  const addMessage = (scope: string, m: DescriptorProto): void => {
    const name = `${scope}.${m.name}`;
    index.messages.set(name, m);
    for (const e of m.enumType) index.enums.set(`${name}.${e.name}`, e);
    for (const nested of m.nestedType) addMessage(name, nested);
  };
  for (const file of set.file) {
    // google/protobuf/*.proto come from buf's bundled copies on both sides.
    if (file.package.startsWith('google.')) continue;
    for (const m of file.messageType) addMessage(file.package, m);
    for (const e of file.enumType) index.enums.set(`${file.package}.${e.name}`, e);
    for (const s of file.service) index.services.set(`${file.package}.${s.name}`, s);
  }
  return index;
}

function oneofName(message: DescriptorProto, field: FieldDescriptorProto): string {
  // proto2 field: 0 is both "unset" and "the first oneof", so ask for presence.
  if (!isFieldSet(field, FieldDescriptorProtoSchema.field.oneofIndex)) return '(none)';
  return message.oneofDecl[field.oneofIndex]?.name ?? `(#${field.oneofIndex})`;
}

function diffFields(name: string, ours: DescriptorProto, theirs: DescriptorProto): string[] {
  const problems: string[] = [];
  for (const field of ours.field) {
    const where = `${name}.${field.name}`;
    const up = theirs.field.find((f) => f.name === field.name);
    if (up === undefined) {
      problems.push(`${where}: no such field upstream`);
      continue;
    }
    const pairs: [string, unknown, unknown][] = [
      ['number', field.number, up.number],
      ['type', field.type, up.type],
      ['label', field.label, up.label],
      ['type name', field.typeName, up.typeName],
      ['oneof', oneofName(ours, field), oneofName(theirs, up)],
      ['proto3 optional', field.proto3Optional, up.proto3Optional],
      ['default', field.defaultValue, up.defaultValue],
    ];
    for (const [what, mine, upstream] of pairs) {
      if (mine !== upstream) problems.push(`${where}: ${what} ${String(mine)}, upstream ${String(upstream)}`);
    }
  }
  return problems;
}

function diffEnum(name: string, ours: EnumDescriptorProto, theirs: EnumDescriptorProto): string[] {
  const problems: string[] = [];
  for (const value of ours.value) {
    const up = theirs.value.find((v) => v.name === value.name);
    if (up === undefined) problems.push(`enum ${name} value ${value.name}: no such value upstream`);
    else if (up.number !== value.number) {
      problems.push(`enum ${name} value ${value.name}: ${value.number}, upstream ${up.number}`);
    }
  }
  return problems;
}

function diffService(name: string, ours: ServiceDescriptorProto, theirs: ServiceDescriptorProto): string[] {
  const problems: string[] = [];
  for (const rpc of ours.method) {
    const where = `rpc ${name}.${rpc.name}`;
    const up = theirs.method.find((m) => m.name === rpc.name);
    if (up === undefined) {
      problems.push(`${where}: no such RPC upstream`);
      continue;
    }
    const pairs: [string, unknown, unknown][] = [
      ['input', rpc.inputType, up.inputType],
      ['output', rpc.outputType, up.outputType],
      ['client streaming', rpc.clientStreaming, up.clientStreaming],
      ['server streaming', rpc.serverStreaming, up.serverStreaming],
    ];
    for (const [what, mine, upstream] of pairs) {
      if (mine !== upstream) problems.push(`${where}: ${what} ${String(mine)}, upstream ${String(upstream)}`);
    }
  }
  return problems;
}

/** Returns one line per difference; an empty list means `ours` is a faithful subset of `upstream`. */
export function diffDescriptorSets(ours: FileDescriptorSet, upstream: FileDescriptorSet): string[] {
  const mine = indexDescriptorSet(ours);
  const theirs = indexDescriptorSet(upstream);
  const problems: string[] = [];
  for (const [name, message] of mine.messages) {
    const up = theirs.messages.get(name);
    if (up === undefined) problems.push(`message ${name}: no such message upstream`);
    else problems.push(...diffFields(name, message, up));
  }
  for (const [name, e] of mine.enums) {
    const up = theirs.enums.get(name);
    if (up === undefined) problems.push(`enum ${name}: no such enum upstream`);
    else problems.push(...diffEnum(name, e, up));
  }
  for (const [name, s] of mine.services) {
    const up = theirs.services.get(name);
    if (up === undefined) problems.push(`service ${name}: no such service upstream`);
    else problems.push(...diffService(name, s, up));
  }
  return problems;
}
