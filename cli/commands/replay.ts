// `wardwatch replay`: a recorded stream through the same engine, incidents out as JSON lines.

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UserError } from '../../common/errors.js';
import { parseDuration } from '../../common/duration.js';
import { SHIPPED_RULES } from '../../common/version.js';
import { action } from '../run.js';
import { terminalOut } from '../output.js';

interface ReplayOptions {
  rules: string;
  topology?: string;
  settle: string;
  stale: string;
  resolveHold: string;
  recoveryGrace: string;
  tick: string;
  tail: string;
  decisions?: boolean;
}

function ms(flag: string, value: string): number {
  const v = parseDuration(value);
  if (v === undefined) throw new UserError(`--${flag}: expected a duration like "10s", got "${value}"`);
  return v;
}

export function replayCommand(program: Command): void {
  program
    .command('replay')
    .description('feed a recorded stream through the engine and print the incidents as JSON lines')
    .argument('<stream>', 'JSON-lines file: {"topic": …, "payload": …, "at": <ms>} per line (what `record:` writes)')
    .option('-r, --rules <dir>', 'rules directory', SHIPPED_RULES)
    .option('-t, --topology <file>', 'topology file')
    .option('--settle <duration>', 'settling window', '10s')
    .option('--stale <duration>', 'data older than this waits for fresh data', '5m')
    .option('--resolve-hold <duration>', 'how long alerts stay clear before an incident resolves', '30s')
    .option('--recovery-grace <duration>', 'how long symptoms may take to clear after their root', '3m')
    .option('--tick <duration>', 'virtual timer step between messages', '1s')
    .option('--tail <duration>', 'virtual time to run on after the last message', '5m')
    .option('--decisions', 'also print every decision (alerts, incidents) as it happens')
    .addHelpText(
      'after',
      `
Output: one JSON object per incident (id, root, priority and why, symptom count, opened and
resolved times, rule ids); a summary with the noise reduction on stderr. Same input, same output.

Examples:
  $ wardwatch replay --rules rules --topology hospital.topology.yaml recorded.jsonl
  $ wardwatch replay --topology t.yaml --settle 30s storm.jsonl | jq -r '.root'`,
    )
    .action(
      action(async (stream: string, opts: ReplayOptions) => {
        const { loadRules } = await import('../../correlator/rules/compile.js');
        const { loadTopology } = await import('../../correlator/topology/load.js');
        const { Topology } = await import('../../correlator/topology/topology.js');
        const { Engine } = await import('../../correlator/engine/engine.js');
        const { replay, parseLine, incidentLine } = await import('../../correlator/replay/replay.js');
        const rules = loadRules(opts.rules);
        if (!rules.ok) throw UserError.fromFileErrors(`rules in ${opts.rules} have errors`, rules.errors);
        const topology = opts.topology ? loadTopology(opts.topology) : { ok: true as const, topology: Topology.empty() };
        if (!topology.ok) throw UserError.fromFileErrors(`topology ${opts.topology} has errors`, topology.errors);
        let text: string;
        try {
          text = readFileSync(stream, 'utf8');
        } catch (err) {
          throw new UserError(`cannot read ${stream}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        const engine = new Engine(rules.ruleSet, {
          topology: topology.topology,
          settleMs: ms('settle', opts.settle),
          staleMs: ms('stale', opts.stale),
          resolveHoldMs: ms('resolve-hold', opts.resolveHold),
          recoveryGraceMs: ms('recovery-grace', opts.recoveryGrace),
        });
        const out = terminalOut();
        const err = terminalOut(process.stderr);
        function* lines() {
          let n = 0;
          for (const line of text.split('\n')) {
            n++;
            if (line.trim()) yield parseLine(line, n);
          }
        }
        const started = performance.now();
        let result;
        try {
          result = replay(engine, lines(), {
            tickMs: ms('tick', opts.tick),
            tailMs: ms('tail', opts.tail),
            ...(opts.decisions ? { onDecision: (d) => out.line(JSON.stringify({ decision: d.type, ...('alert' in d && typeof d.alert === 'object' ? { alert: d.alert.id } : {}), ...('incident' in d ? { incident: d.incident.id } : {}) })) } : {}),
            onProgress: (n) => {
              if (process.stderr.isTTY) process.stderr.write(`\rreplayed ${n.toLocaleString('en-US')} lines…`);
            },
          });
        } catch (e) {
          throw new UserError(`${stream}: ${(e as Error).message}`);
        }
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        for (const i of result.incidents) out.line(JSON.stringify(incidentLine(i)));
        const s = result.stats;
        const secs = ((performance.now() - started) / 1000).toFixed(2);
        const ratio = s.incidents > 0 ? `${(s.alerts / s.incidents).toFixed(1)}:1` : 'n/a';
        err.error(`replayed ${s.messages.toLocaleString('en-US')} messages (${s.invalid} invalid, ${s.duplicates} duplicates, ${s.samples.toLocaleString('en-US')} samples) in ${secs} s: ${s.alerts} alerts → ${s.incidents} incidents (noise reduction ${ratio})`);
      }),
    );
}
