import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('defaults to the embedded single-machine setup', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/\.penny$/);
    expect(c.corsOrigins).toEqual([]);
    expect(c.cookieSecure).toBe('auto');
  });

  it('reads the environment once into typed values', () => {
    const c = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://r', PENNY_CORS_ORIGINS: 'https://a, https://b', PENNY_COOKIE_SECURE: 'true' });
    expect(c).toMatchObject({ port: 8080, databaseUrl: 'postgres://x/y', redisUrl: 'redis://r', corsOrigins: ['https://a', 'https://b'], cookieSecure: true });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(new ConfigError('PORT must be a non-negative integer, got "eighty"'));
    expect(() => loadConfig({ PENNY_DEMO_TENANT: 'maybe' })).toThrow(/PENNY_DEMO_TENANT must be true or false/);
    expect(() => loadConfig({ PENNY_SCRYPT_COST: '1000' })).toThrow(/power of two/);
  });
});
