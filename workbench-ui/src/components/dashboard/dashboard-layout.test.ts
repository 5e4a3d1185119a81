import { describe, expect, it } from 'vitest';
import { clampItem, dashboardOf, mergeLayout, overlaps, placeItem, readingOrder, type DashboardWidget } from './dashboard-layout.ts';

const widget = (id: string, x: number, y: number, w = 6, h = 4): DashboardWidget => ({
  id,
  title: id,
  mimeType: 'x/y',
  data: null,
  layout: { x, y, w, h },
});
const HEALTH = [widget('revenue', 0, 0), widget('burn', 6, 0), widget('headcount', 0, 4), widget('incidents', 6, 4)];

describe('dashboard layout', () => {
  it('keeps items on the 12-column grid', () => {
    expect(clampItem({ widget: 'a', x: 10, y: -3, w: 6, h: 0 })).toEqual({ widget: 'a', x: 6, y: 0, w: 6, h: 1 });
    expect(clampItem({ widget: 'a', x: 0, y: 0, w: 40, h: 99 })).toEqual({ widget: 'a', x: 0, y: 0, w: 12, h: 24 });
  });

  it('uses the saved place of known widgets and the default for new ones, without overlaps', () => {
    const saved = [
      { widget: 'burn', x: 0, y: 0, w: 6, h: 4 },
      { widget: 'revenue', x: 6, y: 0, w: 6, h: 4 },
      { widget: 'gone', x: 0, y: 20, w: 1, h: 1 },
    ];
    const items = mergeLayout(HEALTH, saved);
    expect(items.map((i) => i.widget)).toEqual(['revenue', 'burn', 'headcount', 'incidents']);
    expect(items.find((i) => i.widget === 'burn')).toMatchObject({ x: 0, y: 0 });
    expect(items.find((i) => i.widget === 'revenue')).toMatchObject({ x: 6, y: 0 });
    for (const a of items) for (const b of items) if (a !== b) expect(overlaps(a, b)).toBe(false);
  });

  it('moves a widget and pushes the ones in its way down', () => {
    const items = placeItem(mergeLayout(HEALTH, null), 'incidents', { x: 0, y: 0 });
    expect(items.find((i) => i.widget === 'incidents')).toMatchObject({ x: 0, y: 0 });
    for (const a of items) for (const b of items) if (a !== b) expect(overlaps(a, b)).toBe(false);
    expect(readingOrder(items)[0]!.widget).toBe('incidents');
    const wider = placeItem(items, 'incidents', { w: 12 });
    expect(wider.find((i) => i.widget === 'burn')!.y).toBeGreaterThanOrEqual(4);
  });

  it('reads dashboard artifacts and refuses other data', () => {
    expect(
      dashboardOf({ slug: 'company-health', title: 'Company Health', filters: {}, widgets: [...HEALTH, { id: 3 }] })?.widgets,
    ).toHaveLength(4);
    expect(dashboardOf([1, 2])).toBeNull();
    expect(dashboardOf({ widgets: [] })).toBeNull();
  });
});
