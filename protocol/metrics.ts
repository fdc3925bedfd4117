// The catalogue of measurements agents publish. It is part of the wire contract: the
// correlator checks rule selectors against it ("unknown metric"), the time-series writer takes
// its field types from it (InfluxDB fixes a field's type on first write), and dashboard tests
// check every panel query against it. A metric name is "<measurement>.<field>".

export type FieldType = 'float' | 'integer';

export interface FieldSpec {
  type: FieldType;
  unit: 'percent' | 'bytes' | 'bytes_per_second' | 'per_second' | 'seconds' | 'milliseconds' | 'count' | 'ratio' | 'timestamp_seconds' | 'boolean' | 'days' | 'hours' | 'per_minute' | 'bytes_per_hour' | 'bits_per_second' | 'none';
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
  /**
   * Fields a check type names from its configuration (a transaction's step_<name>_ms). Where
   * given, rules may name only the listed fields and these: the wire still takes any field
   * (openFields), but a rule on a field nothing emits would never fire.
   */
  fieldPatterns?: readonly FieldPattern[];
}

export interface FieldPattern {
  pattern: RegExp;
  /** How it is written in documentation and hints: "step_<name>_ms". */
  shape: string;
  help: string;
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
    help: 'The agent process itself: what it costs the host, and how far its clock is off.',
    tags: [],
    fields: {
      rss_bytes: f('integer', 'bytes', 'Resident memory of the agent process.'),
      cpu_percent: f('float', 'percent', 'CPU of one core used by the agent over the last interval.'),
      collect_ms: f('float', 'milliseconds', 'Time the last collection took.'),
      spool_messages: f('integer', 'count', 'Messages waiting in the agent\'s spool for the broker (a backlog after an outage).'),
      spool_dropped: f('integer', 'count', 'Messages the spool dropped unsent because its size or age bound was hit, since it was created.'),
      clock_offset_s: f('float', 'seconds', 'Computed by the correlator, not sent: its clock minus the agent\'s, estimated from arrival times (positive: the agent\'s clock is behind). Rules see it with every message.'),
      clock_skew_s: f('float', 'seconds', 'Computed by the correlator, not sent: how far the agent\'s clock is off either way (the size of clock_offset_s).'),
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
      count: f('integer', 'count', 'Processes matching (process checks).'),
      cpu_percent: f('float', 'percent', 'CPU of one core used by the matching processes since the previous run (process checks).'),
      rss_bytes: f('integer', 'bytes', 'Resident memory of the matching processes (process checks).'),
      restarts: f('integer', 'count', 'Times systemd restarted the unit (service checks, Linux).'),
      status_code: f('integer', 'none', 'HTTP status of the response (http checks; the failing step of a transaction).'),
      ttfb_ms: f('float', 'milliseconds', 'Time until the response headers arrived (http checks).'),
      total_ms: f('float', 'milliseconds', 'Time for the whole response, or all steps of a transaction; each step also as step_<name>_ms.'),
      days_left: f('float', 'days', 'Days until the first certificate in the chain or file expires; negative once expired (tls, cert_file, https).'),
      steps: f('integer', 'count', 'Steps in the transaction.'),
      failed_step: f('integer', 'none', 'Number of the step that failed, from 1 (transaction checks).'),
      age_hours: f('float', 'hours', 'Age of the newest matching file (backup checks).'),
      newest_bytes: f('integer', 'bytes', 'Size of the newest matching file (backup checks).'),
      files: f('integer', 'count', 'Files matching the pattern (backup checks).'),
      used_percent: f('float', 'percent', 'Space in use on the filesystem (fs_forecast checks).'),
      samples: f('integer', 'count', 'Readings the forecast is based on (fs_forecast checks).'),
      growth_bytes_per_hour: f('float', 'bytes_per_hour', 'Growth of used space, least squares over the history (fs_forecast checks).'),
      hours_to_full: f('float', 'hours', 'Hours until full at that growth; absent when not growing (fs_forecast checks).'),
      offset_ms: f('float', 'milliseconds', 'NTP server time minus this host\'s clock (ntp checks).'),
      rtt_ms: f('float', 'milliseconds', 'Round trip to the server (ntp checks).'),
      stratum: f('integer', 'none', 'Stratum of the NTP server (ntp checks).'),
      errors: f('integer', 'count', 'Matching lines since the previous run (log_errors checks).'),
      lines: f('integer', 'count', 'Lines read since the previous run (log_errors checks).'),
      errors_per_minute: f('float', 'per_minute', 'Matching lines per minute since the previous run (log_errors checks).'),
      growth_ratio: f('float', 'ratio', 'Errors per minute divided by the previous window\'s (log_errors checks).'),
      missed_runs: f('integer', 'count', 'Scheduled runs that did not happen (inspections).'),
      echo_ms: f('float', 'milliseconds', 'Association, C-ECHO and release (dicom checks).'),
      status: f('integer', 'none', 'DIMSE status of the C-ECHO response, 0 for success (dicom checks).'),
      ack_ms: f('float', 'milliseconds', 'From sending the test message to its acknowledgement (hl7 checks; ack_code holds MSA-1).'),
      query_ms: f('float', 'milliseconds', 'Time the statement took (database checks).'),
      rows: f('integer', 'count', 'Rows the statement returned (database checks).'),
      value: f('float', 'none', 'First column of the first row, when a number (database checks).'),
      sent: f('integer', 'count', 'Echo requests sent to the target (icmp checks).'),
      received: f('integer', 'count', 'Echo replies received (icmp checks).'),
      loss_percent: f('float', 'percent', 'Echo requests without a reply (icmp checks).'),
      rtt_min_ms: f('float', 'milliseconds', 'Shortest round trip (icmp checks).'),
      rtt_avg_ms: f('float', 'milliseconds', 'Mean round trip (icmp checks).'),
      rtt_max_ms: f('float', 'milliseconds', 'Longest round trip (icmp checks).'),
      targets: f('integer', 'count', 'Targets pinged (icmp checks, the check\'s own result).'),
      targets_down: f('integer', 'count', 'Targets without a reply (icmp checks, the check\'s own result).'),
      uptime_s: f('integer', 'seconds', 'sysUpTime of the device\'s SNMP agent (snmp checks).'),
      mem_used_percent: f('float', 'percent', 'RAM in use from HOST-RESOURCES-MIB (snmp checks).'),
      mem_total_bytes: f('integer', 'bytes', 'RAM from HOST-RESOURCES-MIB (snmp checks).'),
      interfaces: f('integer', 'count', 'Interfaces reported (snmp checks).'),
      interfaces_up: f('integer', 'count', 'Reported interfaces that are up (snmp checks).'),
      interfaces_down: f('integer', 'count', 'Reported interfaces down while administratively up (snmp checks).'),
      if_index: f('integer', 'none', 'ifIndex of the interface (snmp_interface results, link traps).'),
      oper_status: f('integer', 'none', 'ifOperStatus: 1 up, 2 down, 3 testing, 5 dormant, 7 lower layer down (snmp_interface results).'),
      admin_status: f('integer', 'none', 'ifAdminStatus: 1 up, 2 down (snmp_interface results).'),
      counter_bits: f('integer', 'none', 'Width of the octet counters read: 64 (ifHC*) or 32 (snmp_interface results).'),
      speed_mbps: f('float', 'none', 'Line speed in Mbit/s, from ifHighSpeed or ifSpeed (snmp_interface results).'),
      in_bps: f('integer', 'bits_per_second', 'Received bits per second since the previous poll (snmp_interface results).'),
      out_bps: f('integer', 'bits_per_second', 'Sent bits per second since the previous poll (snmp_interface results).'),
      in_percent: f('float', 'percent', 'Received traffic as a share of the line speed (snmp_interface results).'),
      out_percent: f('float', 'percent', 'Sent traffic as a share of the line speed (snmp_interface results).'),
      in_errors_per_s: f('float', 'per_second', 'ifInErrors per second (snmp_interface results).'),
      out_errors_per_s: f('float', 'per_second', 'ifOutErrors per second (snmp_interface results).'),
      in_discards_per_s: f('float', 'per_second', 'ifInDiscards per second (snmp_interface results).'),
      out_discards_per_s: f('float', 'per_second', 'ifOutDiscards per second (snmp_interface results).'),
      traps: f('integer', 'count', 'Traps received since the previous run (snmp_trap receiver).'),
      traps_rejected: f('integer', 'count', 'Traps refused since the previous run: unknown community or user (snmp_trap receiver).'),
      traps_dropped: f('integer', 'count', 'Traps dropped in a flood since the previous run (snmp_trap receiver).'),
      device_uptime_s: f('integer', 'seconds', 'sysUpTime the trap carried (snmp_trap results).'),
    },
    openFields: true,
    openTags: true,
    fieldPatterns: [{ pattern: /^step_[a-z0-9_]+_ms$/, shape: 'step_<name>_ms', help: 'Time of one step of a transaction, named after the step ("-" becomes "_").' }],
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

/** Splits "fs.used_percent" and looks it up; undefined when no agent emits it (what a rule may name). */
export function lookupMetric(metric: string): MetricRef | undefined {
  const dot = metric.indexOf('.');
  if (dot <= 0) return undefined;
  const m = metric.slice(0, dot);
  const field = metric.slice(dot + 1);
  const spec = catalogue.get(m);
  if (!spec) return undefined;
  const fieldSpec = spec.fields[field];
  if (fieldSpec) return { measurement: m, field, spec: fieldSpec };
  if (spec.fieldPatterns) return spec.fieldPatterns.some((p) => p.pattern.test(field)) ? { measurement: m, field, spec: undefined } : undefined;
  if (spec.openFields && /^[a-z][a-z0-9_]*$/.test(field)) return { measurement: m, field, spec: undefined };
  return undefined;
}

/** Every known metric name, for "did you mean" hints and documentation. */
export function metricNames(): string[] {
  const out: string[] = [];
  for (const [m, spec] of catalogue) for (const field of Object.keys(spec.fields)) out.push(`${m}.${field}`);
  return out.sort();
}
