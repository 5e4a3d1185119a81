import { describe, expect, it } from 'vitest';
import { acceptFrameMessage, frameUrl, parseFrameMessage, renderMessage } from './iframe-protocol.ts';

const frame = {} as Window;
const other = {} as Window;

describe('renderer frame protocol', () => {
  it('accepts exactly the frame messages', () => {
    expect(parseFrameMessage({ penny: 1, type: 'ready' })).toEqual({ penny: 1, type: 'ready' });
    expect(parseFrameMessage({ penny: 1, type: 'resize', height: 120.2 })).toEqual({ penny: 1, type: 'resize', height: 121 });
    expect(parseFrameMessage({ penny: 1, type: 'action', action: 'select', payload: { id: 'cloud' } })).toEqual({
      penny: 1,
      type: 'action',
      action: 'select',
      payload: { id: 'cloud' },
    });
  });

  it('refuses anything else', () => {
    for (const bad of [
      null,
      'ready',
      [1],
      { type: 'ready' },
      { penny: 2, type: 'ready' },
      { penny: 1, type: 'render', artifact: {} },
      { penny: 1, type: 'resize', height: '100' },
      { penny: 1, type: 'resize', height: -1 },
      { penny: 1, type: 'resize', height: 1e9 },
      { penny: 1, type: 'resize', height: 10, extra: true },
      { penny: 1, type: 'action', action: 'bad name!', payload: null },
      { penny: 1, type: 'action', action: 'x', payload: 'y'.repeat(70_000) },
      Object.assign(Object.create({ inherited: 1 }), { penny: 1, type: 'ready' }),
    ]) {
      expect(parseFrameMessage(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('takes messages only from its own frame at the opaque origin', () => {
    const data = { penny: 1, type: 'resize', height: 50 };
    expect(acceptFrameMessage({ source: frame, origin: 'null', data }, frame)).not.toBeNull();
    expect(acceptFrameMessage({ source: other, origin: 'null', data }, frame)).toBeNull();
    expect(acceptFrameMessage({ source: frame, origin: 'http://127.0.0.1:3000', data }, frame)).toBeNull();
    expect(acceptFrameMessage({ source: frame, origin: 'null', data }, null)).toBeNull();
  });

  it('sends plain JSON and names the frame document', () => {
    const message = renderMessage('r', { mimeType: 'a/b', title: 'T', data: { n: 1 } }, 'inline', {
      kind: 'dark',
      tokens: { text: '#fff' },
    });
    expect(message).toEqual({
      penny: 1,
      type: 'render',
      renderer: 'r',
      mode: 'inline',
      artifact: { mimeType: 'a/b', title: 'T', data: { n: 1 } },
      theme: { kind: 'dark', tokens: { text: '#fff' } },
    });
    expect(frameUrl('acme.charts', 'bars', 'demo')).toBe('/v1/extensions/acme.charts/renderer-frame?tenant=demo&renderer=bars');
  });
});
