// Decides what of a point may be written and with which type, and keeps node-influx's schema
// in step. InfluxDB fixes a field's type on its first write in a shard, and node-influx writes
// every JS number as a float unless a schema says otherwise, so every field the writer sends
// is declared: catalogue fields with their catalogue type, open fields (textfile metrics,
// check-type fields not in the catalogue) always as floats, so a value that happens to look
// like an integer never changes the type. Tag keys grow as agents bring new labels
// (bounded by the protocol: at most 16 per sample).

import { FieldType, type ISchemaOptions } from 'influx';
import type { Point } from './points.js';
import type { SeriesSpec, WriterFieldType } from './schema.js';

export type SkipReason = 'unknown-measurement' | 'unknown-field' | 'no-fields';

export interface Admission {
  point?: Point;
  /** What was left out, for counting and a rate-limited log line. */
  skipped?: { reason: SkipReason; what: string };
}

const INFLUX_TYPE: Record<WriterFieldType, FieldType> = {
  float: FieldType.FLOAT,
  integer: FieldType.INTEGER,
  string: FieldType.STRING,
  boolean: FieldType.BOOLEAN,
};

interface Known {
  spec: SeriesSpec;
  tags: Set<string>;
  fields: Map<string, WriterFieldType>;
}

export class SeriesRegistry {
  private readonly known = new Map<string, Known>();

  /** @param onChange receives the full node-influx schema of a measurement whenever it grows. */
  constructor(
    specs: ReadonlyMap<string, SeriesSpec>,
    private readonly database: string,
    private readonly onChange: (schema: ISchemaOptions) => void,
  ) {
    for (const [name, spec] of specs) {
      const k: Known = { spec, tags: new Set(spec.tags), fields: new Map(Object.entries(spec.fields)) };
      this.known.set(name, k);
      this.onChange(this.schemaOf(name, k));
    }
  }

  private schemaOf(measurement: string, k: Known): ISchemaOptions {
    const fields: Record<string, FieldType> = {};
    for (const [name, type] of k.fields) fields[name] = INFLUX_TYPE[type];
    return { measurement, database: this.database, tags: [...k.tags].sort(), fields };
  }

  fieldType(measurement: string, field: string): WriterFieldType | undefined {
    return this.known.get(measurement)?.fields.get(field);
  }

  admit(point: Point): Admission {
    const k = this.known.get(point.measurement);
    if (!k) return { skipped: { reason: 'unknown-measurement', what: point.measurement } };
    let grew = false;
    let skipped: Admission['skipped'];
    const fields: Point['fields'] = {};
    for (const [name, value] of Object.entries(point.fields)) {
      if (typeof value === 'number' && !Number.isFinite(value)) continue;
      const type = k.fields.get(name);
      if (type !== undefined) {
        fields[name] = value;
      } else if (k.spec.openFields && typeof value === 'number') {
        k.fields.set(name, 'float');
        fields[name] = value;
        grew = true;
      } else {
        skipped = { reason: 'unknown-field', what: `${point.measurement}.${name}` };
      }
    }
    for (const key of Object.keys(point.tags)) {
      if (!k.tags.has(key)) {
        k.tags.add(key);
        grew = true;
      }
    }
    if (grew) this.onChange(this.schemaOf(point.measurement, k));
    if (Object.keys(fields).length === 0) return { skipped: skipped ?? { reason: 'no-fields', what: point.measurement } };
    return { point: { ...point, fields }, ...(skipped ? { skipped } : {}) };
  }
}
