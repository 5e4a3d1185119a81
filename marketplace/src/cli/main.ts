// penny-ext: the command line for extension authors. Every command has help (`penny-ext <command>
// --help`); failures print one message saying what to do next and exit non-zero.

import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { BundleError } from '../errors.ts';
import { KeyStore } from '../keystore.ts';
import { buildCommand, newExtension, packCommand } from './author.ts';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors.ts';
import { publishCommand } from './publish.ts';
import { keysExport, keysGenerate, keysList, signCommand, verifyCommand } from './trust.ts';

export interface CliEnvironment {
  /** PENNY_EXT_KEYS_DIR: where keys live when --keys-dir is not given. */
  keysDir?: string;
  /** PENNY_TOKEN: the API token for publish when --token is not given. */
  token?: string;
  print: (line: string) => void;
  printError: (text: string) => void;
}

/** The Penny API generation new extensions target (the kernel's major version). */
export const PENNY_ENGINE_RANGE = '^1.0.0';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function createProgram(env: CliEnvironment): Command {
  const { print } = env;
  const keysDirOption = () => new Option('--keys-dir <dir>', 'where keys are kept').default(env.keysDir ?? KeyStore.defaultDir());
  const store = (options: { keysDir: string }) => new KeyStore(options.keysDir);

  const program = new Command('penny-ext')
    .description('Create, build, pack, sign, verify and publish Penny extensions.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => print(text.trimEnd()), writeErr: (text) => env.printError(text) })
    .exitOverride()
    .addHelpText(
      'after',
      `
A first extension, from nothing to a signed bundle:
  penny-ext new tool word-count --publisher acme
  cd word-count && penny-ext build && node --test test/
  penny-ext pack
  penny-ext keys generate acme
  penny-ext sign acme.word-count-0.1.0.pennyext --key acme
  penny-ext verify acme.word-count-0.1.0.pennyext --trust acme
  penny-ext publish acme.word-count-0.1.0.pennyext --url https://penny.example.com --token $PENNY_TOKEN`,
    );

  program
    .command('new')
    .description('create an extension project that builds, tests and packs as is')
    .addArgument(new Argument('<kind>', 'what the extension contributes').choices(['tool', 'provider', 'renderer']))
    .argument('<name>', 'extension name: lowercase letters, digits and dashes (e.g. word-count)')
    .option('--dir <dir>', 'directory to create (default: ./<name>)')
    .option('--publisher <id>', 'your publisher id', 'my-publisher')
    .option('--engine <range>', 'Penny versions the extension supports', PENNY_ENGINE_RANGE)
    .action((kind: 'tool' | 'provider' | 'renderer', name: string, options: { dir?: string; publisher: string; engine: string }) =>
      newExtension(kind, name, options, print),
    );

  program
    .command('build')
    .description('bundle src/ into the files the manifest names (main, browser) with esbuild')
    .option('--dir <dir>', 'extension project directory', '.')
    .option('--minify', 'minify the output')
    .option('--sourcemap', 'inline source maps (larger bundles)')
    .action((options: { dir: string; minify?: boolean; sourcemap?: boolean }) => buildCommand(options, print));

  program
    .command('pack')
    .description('zip the manifest and built files into <publisher>.<name>-<version>.pennyext')
    .option('--dir <dir>', 'extension project directory', '.')
    .option('--out <file>', 'bundle file to write')
    .action(async (options: { dir: string; out?: string }) => {
      await packCommand(options, print);
    });

  const keys = program.command('keys').description('manage publisher signing keys');
  keys
    .command('generate')
    .description('create an ed25519 key pair (private key file mode 0600)')
    .argument('[name]', 'a name for the key', 'default')
    .addOption(keysDirOption())
    .action((name: string, options: { keysDir: string }) => keysGenerate(store(options), name, print));
  keys
    .command('list')
    .description('list keys by name and key id')
    .addOption(keysDirOption())
    .action((options: { keysDir: string }) => keysList(store(options), print));
  keys
    .command('export')
    .description('print a public key to give to tenant admins')
    .argument('<key>', 'key name or key id')
    .option('--out <file>', 'write to a file instead of stdout')
    .addOption(keysDirOption())
    .action((reference: string, options: { keysDir: string; out?: string }) => keysExport(store(options), reference, options.out, print));

  program
    .command('sign')
    .description('sign a bundle (replaces any previous signature)')
    .argument('<bundle>', '.pennyext file')
    .requiredOption('--key <key>', 'key name, key id or private key file')
    .option('--out <file>', 'write the signed bundle here instead of in place')
    .addOption(keysDirOption())
    .action((bundle: string, options: { key: string; out?: string; keysDir: string }) =>
      signCommand(bundle, options, store(options), print),
    );

  program
    .command('verify')
    .description('check a bundle the way the kernel does before installing it')
    .argument('<bundle>', '.pennyext file')
    .option(
      '--trust <key>',
      'public key file, key id or key name to trust (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--engine <version>', 'Penny version to check engines.penny against')
    .option('--json', 'print the result as JSON')
    .addOption(keysDirOption())
    .addHelpText('after', '\nExample:\n  penny-ext verify acme.word-count-0.1.0.pennyext --trust acme.pub.json --engine 1.4.0')
    .action((bundle: string, options: { trust?: string[]; engine?: string; json?: boolean; keysDir: string }) =>
      verifyCommand(bundle, { ...options, trust: options.trust ?? [] }, store(options), print),
    );

  program
    .command('publish')
    .description('upload a signed bundle to a Penny kernel')
    .argument('<bundle>', '.pennyext file')
    .requiredOption('--url <url>', 'the kernel base URL, e.g. https://penny.example.com')
    .option('--token <token>', 'API token (default: $PENNY_TOKEN)')
    .action((bundle: string, options: { url: string; token?: string }) =>
      publishCommand(bundle, { url: options.url, token: options.token ?? env.token }, print),
    );

  return program;
}

/** Runs the CLI and returns the exit code. */
export async function run(argv: readonly string[], env: CliEnvironment): Promise<number> {
  const program = createProgram(env);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof CliError || error instanceof BundleError) {
      env.printError(`penny-ext: ${error.message}\n`);
      return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
    }
    env.printError(`penny-ext: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2), {
    keysDir: process.env['PENNY_EXT_KEYS_DIR'],
    token: process.env['PENNY_TOKEN'],
    print: (line) => process.stdout.write(`${line}\n`),
    printError: (text) => process.stderr.write(text),
  });
}
