// Host-side failures carry a Penny error name; they become JSON-RPC errors for the kernel and
// `PennyError`s inside the isolate.
import { ResponseError } from 'vscode-jsonrpc';
import { PennyErrorCodes, pennyError, type PennyErrorData, type PennyErrorName } from '@penny/manifests';
import type { IsolateError } from './isolate/contract.ts';

export class HostFault extends Error {
  constructor(
    readonly code: PennyErrorName,
    message: string,
    readonly data: PennyErrorData = {},
  ) {
    super(message);
    this.name = code;
  }
}

export function isPennyErrorName(name: unknown): name is PennyErrorName {
  return typeof name === 'string' && Object.hasOwn(PennyErrorCodes, name);
}

export function toResponseError(error: unknown): ResponseError<PennyErrorData | undefined> {
  if (error instanceof ResponseError) return error as ResponseError<PennyErrorData | undefined>;
  if (error instanceof HostFault) return pennyError(error.code, error.message, error.data);
  return new ResponseError(-32603, error instanceof Error ? error.message : String(error));
}

/** For an envelope crossing into the isolate: keeps the Penny name of kernel and host failures. */
export function toIsolateError(error: unknown): IsolateError {
  if (error instanceof HostFault) return { code: error.code, name: error.code, message: error.message };
  if (error instanceof ResponseError) {
    const name = Object.entries(PennyErrorCodes).find(([, code]) => code === error.code)?.[0];
    return name ? { code: name, name, message: error.message } : { name: 'Error', message: error.message };
  }
  if (error instanceof TypeError) return { name: 'TypeError', message: error.message };
  return { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}
