// The catalogue of measurements agents publish. It is part of the wire contract: the
// correlator checks rule selectors against it ("unknown metric"), the time-series writer takes
// its field types from it (InfluxDB fixes a field's type on first write), and dashboard tests
// check every panel query against it. A metric name is "<measurement>.<field>".

export type FieldType = 'float' | 'integer';

export interface FieldSpec {
  type: FieldType;
  unit: 'percent' | 'bytes' | 'bytes_per_second' | 'per_second' | 'seconds' | 'milliseconds' | 'count' | 'ratio' | 'timestamp_seconds' | 'boolean' | 'days' | 'none';
  help: string;
}

export interface MeasurementSpec {
  help: string;
  /** Tag keys a sample of this measurement may carry (besides the agent's own labels). */
  tags: readonly string[];
  fields: Readonly<Record<string, FieldSpec>>;
  /** Fields are named by the operator (textfile metrics); any field name is accepted. */
  openFields?: boolean;
  /** Tags are named by the operator; any tag key is accepted. */
  openTags?: boolean;
}

const f = (type: FieldType, unit: FieldSpec['unit'], help: string): FieldSpec => ({ type, unit, help });

export const MEASUREMENTS = {
  cpu: {
    help: 'Processor use of the host.',
    tags: [],
    fields: {
      usage_percent: f('float', 'percent', 'CPU busy time over the last interval, all cores.'),
      iowait_percent: f('float', 'percent', 'Time spent waiting for I/O over the last interval (Linux).'),
      load1: f('float', 'none', 'Load average over 1 minute (0 where the OS has none).'),
      load5: f('float', 'none', 'Load average over 5 minutes.'),
      load15: f('float', 'none', 'Load average over 15 minutes.'),
      cores: f('integer', 'count', 'Logical processors.'),
    },
  },
  mem: {
    help: 'Memory of the host.',
    tags: [],
    fields: {
      used_percent: f('float', 'percent', 'Memory in use (total minus available).'),
      used_bytes: f('integer', 'bytes', 'Memory in use.'),
      available_bytes: f('integer', 'bytes', 'Memory available to start new programs without swapping.'),
      total_bytes: f('integer', 'bytes', 'Physical memory.'),
      swap_used_percent: f('float', 'percent', 'Swap in use (0 without swap).'),
    },
  },
  fs: {
    help: 'One mounted filesystem.',
    tags: ['mount', 'fstype'],
    fields: {
      used_percent: f('float', 'percent', 'Space in use, as df shows it (of the space available to users).'),
      used_bytes: f('integer', 'bytes', 'Space in use.'),
      free_bytes: f('integer', 'bytes', 'Space available to unprivileged users.'),
      total_bytes: f('integer', 'bytes', 'Size of the filesystem.'),
      inodes_used_percent: f('float', 'percent', 'Inodes in use (0 where the filesystem has none).'),
    },
  },
  net: {
    help: 'One network interface.',
    tags: ['iface'],
    fields: {
      rx_bytes_per_second: f('float', 'bytes_per_second', 'Bytes received per second over the last interval.'),
      tx_bytes_per_second: f('float', 'bytes_per_second', 'Bytes sent per second over the last interval.'),
      rx_errors_per_second: f('float', 'per_second', 'Receive errors per second over the last interval.'),
      tx_errors_per_second: f('float', 'per_second', 'Transmit errors per second over the last interval.'),
      rx_drops_per_second: f('float', 'per_second', 'Received packets dropped per second over the last interval.'),
      tx_drops_per_second: f('float', 'per_second', 'Transmitted packets dropped per second over the last interval.'),
    },
  },
  system: {
    help: 'Host-wide facts.',
    tags: [],
    fields: {
      uptime_seconds: f('integer', 'seconds', 'Time since the host booted.'),
      processes: f('integer', 'count', 'Processes running on the host.'),
    },
  },
  agent: {
    help: 'The agent process itself: what it costs the host.',
    tags: [],
    fields: {
      rss_bytes: f('integer', 'bytes', 'Resident memory of the agent process.'),
      cpu_percent: f('float', 'percent', 'CPU of one core used by the agent over the last interval.'),
      collect_ms: f('float', 'milliseconds', 'Time the last collection took.'),
    },
  },
  check: {
    help: 'Results of the agent\'s checks (from events): one row per run, tagged with the check name, type and the check\'s labels.',
    tags: ['check', 'type', 'node'],
    fields: {
      status_level: f('integer', 'none', '0 ok, 1 warning, 2 critical, 3 unknown.'),
      duration_ms: f('float', 'milliseconds', 'How long the run took.'),
      error_rate_percent: f('float', 'percent', 'Share of failed runs over the check\'s window (default 15 minutes).'),
      latency_mean_ms: f('float', 'milliseconds', 'Mean run time over the window.'),
      latency_p95_ms: f('float', 'milliseconds', '95th percentile run time over the window.'),
      connect_ms: f('float', 'milliseconds', 'TCP connect time (tcp checks).'),
    },
    openFields: true,
    openTags: true,
  },
  textfile: {
    help: 'Values written by local scripts into the textfile directory (Prometheus text format), e.g. a backup job writing its last success time.',
    tags: [],
    fields: {},
    openFields: true,
    openTags: true,
  },
} as const satisfies Record<string, MeasurementSpec>;

export type MeasurementName = keyof typeof MEASUREMENTS;

const catalogue: Map<string, MeasurementSpec> = new Map(Object.entries(MEASUREMENTS));

/** Lets later stages (checks, probes) add their measurements in one place each. */
export function registerMeasurement(name: string, spec: MeasurementSpec): void {
  if (catalogue.has(name)) throw new Error(`measurement ${name} is already registered`);
  catalogue.set(name, spec);
}

export function measurement(name: string): MeasurementSpec | undefined {
  return catalogue.get(name);
}

export function measurements(): ReadonlyMap<string, MeasurementSpec> {
  return catalogue;
}

export interface MetricRef {
  measurement: string;
  field: string;
  spec: FieldSpec | undefined;
}

/** Splits "fs.used_percent" and looks it up; undefined when the catalogue does not know it. */
export function lookupMetric(metric: string): MetricRef | undefined {
  const dot = metric.indexOf('.');
  if (dot <= 0) return undefined;
  const m = metric.slice(0, dot);
  const field = metric.slice(dot + 1);
  const spec = catalogue.get(m);
  if (!spec) return undefined;
  const fieldSpec = spec.fields[field];
  if (fieldSpec) return { measurement: m, field, spec: fieldSpec };
  if (spec.openFields && /^[a-z][a-z0-9_]*$/.test(field)) return { measurement: m, field, spec: undefined };
  return undefined;
}

/** Every known metric name, for "did you mean" hints and documentation. */
export function metricNames(): string[] {
  const out: string[] = [];
  for (const [m, spec] of catalogue) for (const field of Object.keys(spec.fields)) out.push(`${m}.${field}`);
  return out.sort();
}
