// Where artifact contents live: a local folder under the data dir by default, an S3-compatible
// bucket when one is configured (S3_BUCKET or S3_ENDPOINT). Keys are content-addressed per tenant,
// so identical content is stored once and never overwritten.
import { inject, injectable } from 'inversify';
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs/promises';
import path from 'node:path';
import { KernelConfig } from '../config/config.ts';

export interface ObjectStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
}
export const ObjectStore = Symbol('ObjectStore');

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9/_.-]{0,400}$/;

function checked(key: string): string {
  if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`invalid object key "${key}"`);
  return key;
}

@injectable()
export class LocalObjectStore implements ObjectStore {
  constructor(@inject(KernelConfig) private readonly config: KernelConfig) {}

  private file(key: string): string {
    return path.join(this.config.dataDir, 'objects', checked(key));
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

@injectable()
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private bucketReady: Promise<void> | undefined;

  constructor(@inject(KernelConfig) config: KernelConfig) {
    if (config.objectStore.kind !== 's3') throw new Error('S3ObjectStore needs an S3 configuration');
    const s3 = config.objectStore;
    this.bucket = s3.bucket;
    this.client = new S3Client({
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      // Checksums only where S3 requires them: many S3-compatible servers reject the newer ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
      ...(s3.accessKeyId && s3.secretAccessKey ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
    });
  }

  /** A fresh MinIO (as in docker-compose.yml) has no bucket: the first write creates it. */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.client
      .send(new HeadBucketCommand({ Bucket: this.bucket }))
      .then(
        () => undefined,
        async (error: { $metadata?: { httpStatusCode?: number } }) => {
          if (error.$metadata?.httpStatusCode !== 404) throw error;
          await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
        },
      )
      .catch((error: unknown) => {
        this.bucketReady = undefined;
        throw error;
      });
    return this.bucketReady;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.ensureBucket();
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: checked(key), Body: bytes, ContentLength: bytes.length }));
  }

  async get(key: string): Promise<Buffer> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checked(key) }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }
}
