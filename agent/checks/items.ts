// Results per item for checks that watch many things in one run: a ping check with a list of
// targets, an SNMP check with a switch's interfaces. Each item becomes its own result, with a
// label that tells the items apart (`host`, `iface`), its own `node` when it is about another
// topology node, and, where the item has a latency of its own, rolling figures like the
// runner's. Items reach the broker through the listener path (listener.ts).

import { durationMs } from '../../common/duration.js';
import type { CheckResult, CheckStatus } from '../../protocol/schema.js';
import type { CheckCommon, CheckOutcome } from './check.js';
import type { Emit, Listener } from './listener.js';
import { RollingWindow } from './stats.js';

export interface ItemOutcome extends CheckOutcome {
  /** Tells this item's series apart from its siblings, e.g. { iface: "Gi1/0/48" }. */
  key: Record<string, string>;
  /** Labels of this item from the config (role: egress), added to the check's labels. */
  labels?: Record<string, string>;
  /** Topology node of this item when it is not the check's. */
  node?: string;
  /** Result type when items differ in kind from the check's own result ("snmp_interface"). */
  type?: string;
  /**
   * The item's own latency for the rolling figures (a ping's mean round trip; for a target
   * that did not answer, the time waited, as the runner counts a timed-out run). Without it
   * the item gets no rolling figures.
   */
  latencyMs?: number;
}

const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const MAX_FIELDS = 28;

function cleanFields(fields: CheckOutcome['fields']): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  let n = 0;
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (!FIELD_NAME.test(k) || (typeof v === 'number' && !Number.isFinite(v))) continue;
    out[k] = typeof v === 'string' ? v.slice(0, 256) : v;
    if (++n >= MAX_FIELDS) break;
  }
  return out;
}

const ok = (s: CheckStatus) => s === 'ok' || s === 'warning';

const MAX_LABELS = 16; // the protocol's limit per result

/** The item's own labels win over the check's; values cut to the protocol's 128 characters. */
function boundedLabels(own: Record<string, string>, inherited: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(inherited)) if (!(k in own)) out[k] = v.slice(0, 128);
  for (const [k, v] of Object.entries(own)) out[k] = v.slice(0, 128);
  const keys = Object.keys(out);
  // Over the limit: drop inherited labels first (they come first), never the item's.
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_LABELS))) delete out[k];
  return out;
}

/** Builds and publishes item results; keeps a rolling window per item. */
export class ItemReporter implements Listener {
  private emit: Emit | undefined;
  private readonly windows = new Map<string, RollingWindow>();
  private readonly windowMs: number;

  constructor(
    private readonly spec: CheckCommon,
    private readonly type: string,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = durationMs(spec.window ?? '15m');
  }

  async listen(emit: Emit): Promise<void> {
    this.emit = emit;
  }

  async unlisten(): Promise<void> {
    this.emit = undefined;
  }

  /** Turns items into results and publishes them (when listening); returns them either way. */
  report(items: readonly ItemOutcome[], runMs: number): CheckResult[] {
    const results = items.map((item) => this.result(item, runMs));
    // Windows of items that are gone (an interface removed) would otherwise stay forever.
    const live = new Set(items.map((i) => JSON.stringify(i.key)));
    for (const k of this.windows.keys()) if (!live.has(k)) this.windows.delete(k);
    if (results.length > 0) this.emit?.(results);
    return results;
  }

  private result(item: ItemOutcome, runMs: number): CheckResult {
    const fields = cleanFields(item.fields);
    if (item.latencyMs !== undefined) {
      const key = JSON.stringify(item.key);
      const window = this.windows.get(key) ?? new RollingWindow(this.windowMs);
      this.windows.set(key, window);
      const f = window.add(this.now(), ok(item.status), item.latencyMs);
      Object.assign(fields, { error_rate_percent: f.error_rate_percent, latency_mean_ms: f.latency_mean_ms, latency_p95_ms: f.latency_p95_ms });
    }
    const labels = boundedLabels({ ...(item.labels ?? {}), ...item.key }, this.spec.labels ?? {});
    const node = item.node ?? this.spec.node;
    return {
      check: this.spec.name,
      type: item.type ?? this.type,
      status: item.status,
      summary: item.summary.slice(0, 512),
      duration_ms: Math.round(runMs * 100) / 100,
      ...(item.target ? { target: item.target.slice(0, 256) } : {}),
      labels,
      ...(node ? { node } : {}),
      ...(this.spec.target_node ? { target_node: this.spec.target_node } : {}),
      ...(item.errorClass && item.status !== 'ok' ? { error_class: item.errorClass } : {}),
      fields,
    };
  }
}
