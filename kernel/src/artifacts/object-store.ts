// Where artifact contents live: a local folder under the data dir by default. Keys are
// content-addressed per tenant, so identical content is stored once and never overwritten.
import { inject, injectable } from 'inversify';
import fs from 'node:fs/promises';
import path from 'node:path';
import { KernelConfig } from '../config/config.ts';

export interface ObjectStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
}
export const ObjectStore = Symbol('ObjectStore');

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9/_.-]{0,400}$/;

@injectable()
export class LocalObjectStore implements ObjectStore {
  constructor(@inject(KernelConfig) private readonly config: KernelConfig) {}

  private file(key: string): string {
    if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`invalid object key "${key}"`);
    return path.join(this.config.dataDir, 'objects', key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Write then rename: readers never see half an object.
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(temp, bytes);
    await fs.rename(temp, file);
  }

  get(key: string): Promise<Buffer> {
    return fs.readFile(this.file(key));
  }
}
