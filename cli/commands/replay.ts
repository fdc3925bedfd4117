// `wardwatch replay`: a recorded stream through the same engine, incidents out as JSON lines.

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UserError } from '../../common/errors.js';
import { parseDuration } from '../../common/duration.js';
import { SHIPPED_RULES } from '../../common/version.js';
import { action } from '../shared/run.js';
import { terminalOut } from '../shared/output.js';

interface ReplayOptions {
  rules: string[];
  topology?: string;
  settle: string;
  stale: string;
  resolveHold: string;
  recoveryGrace: string;
  tick: string;
  tail: string;
  decisions?: boolean;
  explain?: boolean;
}

/** Repeated --rules: the first one given replaces the shipped default, the next ones add to it. */
function addDir(value: string, previous: string[]): string[] {
  return previous === DEFAULT_RULES ? [value] : [...previous, value];
}

const DEFAULT_RULES = [SHIPPED_RULES];

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
    .option('-r, --rules <dir>', 'rules directory; repeat it for several (default: the shipped rules)', addDir, DEFAULT_RULES)
    .option('-t, --topology <file>', 'topology file')
    .option('--settle <duration>', 'settling window', '10s')
    .option('--stale <duration>', 'data older than this waits for fresh data', '5m')
    .option('--resolve-hold <duration>', 'how long alerts stay clear before an incident resolves', '30s')
    .option('--recovery-grace <duration>', 'how long symptoms may take to clear after their root', '3m')
    .option('--tick <duration>', 'virtual timer step between messages', '1s')
    .option('--tail <duration>', 'virtual time to run on after the last message', '5m')
    .option('--decisions', 'also print every decision (alerts, incidents) as it happens')
    .option('--explain', 'print, per incident, its root (suspected or confirmed), each symptom with its path and reachability, and what was held, released or merged and why, instead of JSON lines')
    .addHelpText(
      'after',
      `
Output: one JSON object per incident (id, root, priority and why, symptom count, opened and
resolved times, rule ids); a summary with the noise reduction on stderr. Same input, same output.
With --explain, the same incidents in words: root and whether it is suspected or confirmed,
symptoms with their dependency path and reachability, holds, releases and merges with reasons.

A silence line takes the API's request body, with an optional id and by beside it:
  {"at": 1764000000000, "id": "pacs-upgrade", "by": "wang.fang",
   "silence": {"nodes": ["pacs-01"], "duration": "1h", "comment": "PACS upgrade"}}

Examples:
  $ wardwatch replay --rules rules --topology hospital.topology.yaml recorded.jsonl
  $ wardwatch replay --topology t.yaml --settle 30s storm.jsonl | jq -r '.root'
  $ wardwatch replay -r rules -r site-rules --topology t.yaml --explain storm.jsonl`,
    )
    .action(
      action(async (stream: string, opts: ReplayOptions) => {
        const { loadRuleFiles, ruleFiles } = await import('../../correlator/rule-tools/load.js');
        const { loadTopology } = await import('../../correlator/topology/load.js');
        const { Topology } = await import('../../correlator/topology/topology.js');
        const { Engine } = await import('../../correlator/engine/engine.js');
        const { replay, parseLine, incidentLine } = await import('../../correlator/replay/replay.js');
        const { explainReplay, HeldBySilence } = await import('../../correlator/replay/explain.js');
        const files = opts.rules.flatMap((dir) => {
          try {
            return ruleFiles(dir);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            throw new UserError(`--rules ${dir}: ${code === 'ENOENT' ? 'rules directory not found' : code === 'ENOTDIR' ? 'not a directory' : `cannot read: ${code}`}`);
          }
        });
        const rules = loadRuleFiles(files);
        if (!rules.ok) throw UserError.fromFileErrors(`rules in ${opts.rules.join(', ')} have errors`, rules.errors);
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
        const held = new HeldBySilence();
        let result;
        try {
          result = replay(engine, lines(), {
            tickMs: ms('tick', opts.tick),
            tailMs: ms('tail', opts.tail),
            onDecision: (d) => {
              held.add(d);
              if (opts.decisions) out.line(JSON.stringify({ decision: d.type, ...('alert' in d && typeof d.alert === 'object' ? { alert: d.alert.id } : {}), ...('incident' in d ? { incident: d.incident.id } : {}) }));
            },
            onProgress: (n) => {
              if (process.stderr.isTTY) process.stderr.write(`\rreplayed ${n.toLocaleString('en-US')} lines…`);
            },
          });
        } catch (e) {
          throw new UserError(`${stream}: ${(e as Error).message}`);
        }
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        if (opts.explain) for (const line of explainReplay(result.incidents, topology.topology, held)) out.line(line);
        else for (const i of result.incidents) out.line(JSON.stringify(incidentLine(i)));
        const s = result.stats;
        const secs = ((performance.now() - started) / 1000).toFixed(2);
        const ratio = s.incidents > 0 ? `${(s.alerts / s.incidents).toFixed(1)}:1` : 'n/a';
        err.error(`replayed ${s.messages.toLocaleString('en-US')} messages (${s.invalid} invalid, ${s.duplicates} duplicates, ${s.samples.toLocaleString('en-US')} samples) in ${secs} s: ${s.alerts} alerts → ${s.incidents} incidents (noise reduction ${ratio})`);
      }),
    );
}
