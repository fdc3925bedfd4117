import type { Command } from 'commander';
import { action } from '../shared/run.js';
import { table, terminalOut } from '../shared/output.js';

interface EnrollOptions {
  pki: string;
  broker?: string;
  site?: string;
  role?: string;
  out?: string;
  cert?: boolean;
  password: boolean;
  rotate?: boolean;
  revoke?: boolean;
  reload?: string;
}

export function enrollCommand(program: Command): void {
  program
    .command('enroll')
    .description('issue, rotate or revoke an agent\'s broker credentials and write its config')
    .argument('<agent-id>', 'the agent id; also its MQTT user name and certificate CN')
    .requiredOption('--pki <dir>', 'the broker\'s credential directory (passwd, CA from install/mosquitto/make-certs.sh)')
    .option('--broker <url>', 'broker URL written into the agent config, e.g. mqtts://mqtt.hospital.local:8883')
    .option('--site <site>', 'the agent\'s site')
    .option('--role <role>', 'server, terminal or probe')
    .option('--out <dir>', 'where to write agent.yaml and its secrets (default ./<agent-id>)')
    .option('--cert', 'also issue a client certificate signed by the CA (mutual TLS)')
    .option('--no-password', 'no password entry (certificate only)')
    .option('--rotate', 'replace the credentials of an enrolled agent; the old ones stop working')
    .option('--revoke', 'remove the agent\'s password and revoke its certificates')
    .option('--reload <pid|pidfile>', 'send SIGHUP to Mosquitto afterwards so it reads the changes')
    .addHelpText(
      'after',
      `
Examples:
  $ wardwatch enroll ws-0412 --pki /etc/mosquitto/wardwatch --broker mqtts://mqtt.hospital.local:8883 \\
      --site main --role terminal --reload /run/mosquitto/mosquitto.pid
  $ wardwatch enroll pacs-01 --pki /etc/mosquitto/wardwatch --broker mqtts://mqtt:8883 --site main --role server --cert
  $ wardwatch enroll ws-0412 --pki /etc/mosquitto/wardwatch --broker mqtts://mqtt:8883 --site main --role terminal --rotate
  $ wardwatch enroll ws-0412 --pki /etc/mosquitto/wardwatch --revoke --reload $(pidof mosquitto)`,
    )
    .action(
      action(async (agentId: string, opts: EnrollOptions) => {
        const { enroll } = await import('../enroll/enroll.js');
        const result = enroll(agentId, opts);
        const out = terminalOut();
        for (const line of table(['', ''], result.map(([k, v]) => [k, v])).slice(1)) out.line(line);
      }),
    );
}
