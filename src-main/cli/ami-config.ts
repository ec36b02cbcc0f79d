// `sidecall ami-config`: prints least-privilege manager.conf users (one per
// operator extension, with eventfilters) for IT to paste into Asterisk.
// Run: npx tsx src-main/cli/ami-config.ts --ext 101-150 [--prefix op] [--pbx-host pbx.example.com]
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateManagerConf, ManagerConfError, parseExtensionList } from '../core/ami/manager-conf';

export const AMI_CONFIG_USAGE = `Usage: sidecall ami-config --ext <list> [options]

Prints manager.conf users for Sidecall operators: one AMI user per extension,
with only the permissions Sidecall needs and eventfilter lines that let through
only that operator's calls. Secrets are left for you to fill in.

  --ext <list>         extensions: 101-150, or 101,105,110-112 (required)
  --prefix <text>      AMI user name prefix (default: op -> op101)
  --pbx-host <host>    PBX address operators enter in Settings (shown in comments)
  --permit <net/mask>  network allowed to log in, e.g. 10.20.0.0/255.255.0.0 (repeatable)
  --tech <list>        channel technologies of the phones (default: PJSIP,SIP,IAX2)
  --allow-mixmonitor   also grant write=system so the MixMonitor action works (not advised)
  -h, --help           show this help
`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs the command; returns the exit code (0 ok, 2 bad usage). */
export function runAmiConfig(argv: readonly string[], io: CliIo): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ext: { type: 'string' },
        prefix: { type: 'string' },
        'pbx-host': { type: 'string' },
        permit: { type: 'string', multiple: true },
        tech: { type: 'string' },
        'allow-mixmonitor': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`sidecall ami-config: ${error instanceof Error ? error.message : String(error)}\n\n${AMI_CONFIG_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.stdout(AMI_CONFIG_USAGE);
    return 0;
  }
  if (values.ext === undefined) {
    io.stderr(`sidecall ami-config: --ext is required, e.g. --ext 101-150\n\n${AMI_CONFIG_USAGE}`);
    return 2;
  }
  try {
    const text = generateManagerConf({
      extensions: parseExtensionList(values.ext),
      ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
      ...(values['pbx-host'] === undefined ? {} : { pbxHost: values['pbx-host'] }),
      ...(values.permit === undefined ? {} : { permit: values.permit }),
      ...(values.tech === undefined ? {} : { technologies: values.tech.split(',').map((t) => t.trim()) }),
      allowMixMonitor: values['allow-mixmonitor'] === true,
    });
    io.stdout(text);
    return 0;
  } catch (error) {
    if (error instanceof ManagerConfError) {
      io.stderr(`sidecall ami-config: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

// Run when executed directly (tsx src-main/cli/ami-config.ts), not when imported by tests.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = runAmiConfig(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
