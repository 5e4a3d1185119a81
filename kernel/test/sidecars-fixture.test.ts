// The local test model is the file its README describes: the tests that stream from it depend on it.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

export const STORIES_MODEL = new URL('./fixtures/models/stories260K.gguf', import.meta.url).pathname;

describe('stories260K.gguf fixture', () => {
  it('has the pinned sha256', async () => {
    const bytes = await fs.readFile(STORIES_MODEL);
    expect(bytes.length).toBe(1_185_376);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d');
  });
});
