// Starts the Penny kernel with configuration from the environment and stops it cleanly on signals.
import { ConfigError, loadConfig } from './config/config.ts';
import { startKernel } from './kernel.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const kernel = await startKernel(config);
  console.log(`Penny is listening on ${kernel.url} (database: ${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}/data`})`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    kernel.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('Penny failed to start:', err);
  process.exit(1);
});
