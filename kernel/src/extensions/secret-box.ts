// Encryption of extension secrets at rest (AES-256-GCM). The key comes from PENNY_SECRET_KEY or is
// generated once under the data dir (mode 0600); values are decrypted only to be handed to the
// extension host, which adds them to outgoing requests and never to the isolate.
import { inject, injectable } from 'inversify';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KernelConfig } from '../config/config.ts';

@injectable()
export class SecretBox {
  private key: Buffer | undefined;

  constructor(@inject(KernelConfig) private readonly config: KernelConfig) {}

  private loadKey(): Buffer {
    if (this.key) return this.key;
    if (this.config.secretKey) {
      const key = Buffer.from(this.config.secretKey, 'base64');
      if (key.length !== 32) throw new Error('PENNY_SECRET_KEY must be 32 bytes, base64-encoded');
      return (this.key = key);
    }
    const file = path.join(this.config.dataDir, 'keys', 'secret.key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // 'wx' fails if another process created the key meanwhile; then that key is read below.
      try {
        fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    return (this.key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
  }

  /** `v1.<iv>.<tag>.<ciphertext>`; the associated data binds the value to its owner and name. */
  seal(plaintext: string, associated: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.loadKey(), iv);
    cipher.setAAD(Buffer.from(associated));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, associated: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unknown secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.loadKey(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associated));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
