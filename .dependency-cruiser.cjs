// The house's layering, checked by `npm run check:deps` (and in CI): which folder may import
// which. Each list below is an order, lowest first; a folder imports only folders before it.
// A strict order also rules out cycles between folders. Tests (test/) are not cruised: they may
// reach into any layer. `npm run deps:graph` draws the folder graph from this same file.

/**
 * Top level, lowest first. agent and correlator are side by side: neither imports the other.
 * console/ (the web console, coming) has its own browser build and may import the API's types
 * only; nothing imports it.
 */
const TOP = ['common', 'protocol', 'agent', 'correlator', 'console', 'dashboards', 'cli', 'bench'];

/** correlator/, the pipeline's order; `main` stands for the files directly in correlator/. */
const CORRELATOR = [
  'topology', // the hospital as a graph; label selectors
  'discovery', // (coming) discovered links merged into the topology, drift from the declared one
  'rules', // the rule language, compiled (no file I/O)
  'evaluate', // samples → alerts
  'correlate', // alerts → incidents with a root cause
  'engine', // one step of the pure core: messages and time in, decisions out
  'ticket', // the ticket record, its lifecycle and fault report (pure, from decisions)
  'rule-tools', // rule files on disk: load, check against a topology, rule unit tests
  'observe', // the correlator's own Prometheus metrics
  'cluster', // (coming) partitions and leases between correlator instances; the store implements its lease port
  'ingest', // MQTT in, engine step, commit, sinks
  'store', // SQLite / PostgreSQL behind one interface
  'timeseries', // InfluxDB writer (a sink)
  'escalate', // SLA, calendars, on-call, escalation policy
  'knowledge', // runbooks, similar past tickets
  'notify', // channels and the notifier
  'desk', // the ticket service: notifies, escalates, takes people's actions
  'itsm', // external ticket systems, both ways
  'api', // the HTTP API
  'replay', // recorded streams through the engine
  'config', // the config file, every section assembled
  'wiring', // the process's stages put together
  'main',
];

/** agent/, lowest first; `main` stands for the files directly in agent/. `discover` (coming): SNMP tables (LLDP, bridge, interfaces). */
const AGENT = ['platform', 'collect', 'checks', 'discover', 'schedule', 'publish', 'observe', 'config', 'main'];

/** cli/, lowest first: what every command uses, the bigger tools, the commands, the entry point. */
const CLI = ['shared', 'up', 'enroll', 'drill', 'commands', 'main'];

/** Pure core of the correlator: no file, socket or process access, no store, no network library. */
const PURE = ['topology', 'discovery', 'rules', 'evaluate', 'correlate', 'engine', 'ticket'];

const IO_MODULES = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns', 'dns/promises', 'child_process', 'cluster', 'worker_threads', 'readline', 'os', 'inspector', 'repl'];
const NETWORK_LIBRARIES = ['mqtt', 'aedes', 'pg', 'mysql2', 'tedious', 'better-sqlite3', 'fastify', 'influx', 'nodemailer', 'net-snmp', 'dcmjs-dimse', 'systeminformation', 'node-cron', 'prom-client'];

const alt = (names) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, (c) => `\\${c}`)).join('|');

/** The folder of `pkg` as a path pattern; `main` is the files directly inside it. */
const folder = (pkg, name) => (name === 'main' ? `^${pkg}/[^/]+$` : `^${pkg}/${name}/`);

/** One rule per folder: it may not import any folder after it in `order`. */
function layering(pkg, order) {
  return order.slice(0, -1).map((name, i) => ({
    name: `${pkg}-layers:${name}`,
    comment: `${pkg}/${name} imports only what comes before it in ${pkg}'s order: ${order.slice(0, i).join(', ') || '(nothing in ' + pkg + ')'}`,
    severity: 'error',
    from: { path: folder(pkg, name) },
    to: { path: order.slice(i + 1).map((later) => folder(pkg, later)) },
  }));
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module imports itself through others (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or a package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    ...TOP.slice(0, -1).map((name, i) => ({
      name: `top-layers:${name}`,
      comment: `${name}/ imports only what comes before it: ${TOP.slice(0, i).join(', ') || '(nothing of the project)'}`,
      severity: 'error',
      from: { path: `^${name}/` },
      to: { path: TOP.slice(i + 1).map((later) => `^${later}/`) },
    })),
    {
      name: 'agent-not-correlator',
      comment: 'The agent runs on thousands of hosts and ships without the correlator.',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^correlator/' },
    },
    {
      name: 'correlator-not-agent',
      comment: 'The correlator knows agents only through the protocol.',
      severity: 'error',
      from: { path: '^correlator/' },
      to: { path: '^agent/' },
    },
    {
      name: 'protocol-only-common',
      comment: 'protocol/ is the contract between agent and correlator: it builds on common/ alone.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { path: '^(?!protocol/|common/)[^/]+/', pathNot: 'node_modules', dependencyTypesNot: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer'] },
    },
    ...layering('correlator', CORRELATOR),
    ...layering('agent', AGENT),
    ...layering('cli', CLI),
    {
      name: 'pure-core-no-io',
      comment: 'The pure core (time is an argument) opens no file, socket or process.',
      severity: 'error',
      from: { path: `^correlator/(${alt(PURE)})/` },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${alt(IO_MODULES)})$` },
    },
    {
      name: 'pure-core-no-store',
      comment: 'The pure core hands decisions out; persisting them is the pipeline\'s business.',
      severity: 'error',
      from: { path: `^correlator/(${alt(PURE)})/` },
      to: { path: '^correlator/store/' },
    },
    {
      name: 'pure-core-no-network-library',
      comment: 'The pure core uses no broker, database, HTTP, mail, SNMP, DICOM or metrics library.',
      severity: 'error',
      from: { path: `^correlator/(${alt(PURE)})/` },
      to: { path: `(^|/)node_modules/(${alt(NETWORK_LIBRARIES)})/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts', '.json'],
    },
    reporterOptions: {
      archi: {
        collapsePattern: '^(correlator|agent)/[^/]+|^[^/]+',
      },
      mermaid: {
        minify: false,
      },
    },
  },
};
