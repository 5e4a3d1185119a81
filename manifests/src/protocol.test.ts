import { describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-jsonrpc';
import * as protocol from './protocol.ts';

describe('protocol', () => {
  it('uses unique method names', () => {
    const methods = (Object.values(protocol) as unknown[])
      .filter((value): value is { method: string } => typeof value === 'object' && value !== null && 'method' in value)
      .map((type) => type.method);
    expect(methods.length).toBeGreaterThan(20);
    expect(new Set(methods).size).toBe(methods.length);
  });

  it('keeps error codes unique and outside the JSON-RPC reserved range', () => {
    const codes = Object.values(protocol.PennyErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code < -32768 || code > -32000).toBe(true);
  });

  it('builds and recognizes typed errors', () => {
    const error = protocol.pennyError('EgressDenied', 'fetch to evil.test is not allowed', { host: 'evil.test' });
    expect(error).toBeInstanceOf(ResponseError);
    expect(protocol.isPennyError(error, 'EgressDenied')).toBe(true);
    expect(protocol.isPennyError(error, 'ToolTimeout')).toBe(false);
    expect(protocol.isPennyError(new ResponseError(-32601, 'nope'))).toBe(false);
    expect(protocol.pennyErrorName(error.code)).toBe('EgressDenied');
  });
});
