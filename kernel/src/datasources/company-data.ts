// The demo company's numbers: synthetic, but consistent and reproducible. A pure function of a seed
// and an end month, so tests can regenerate exactly what a tenant was seeded with.

export interface BusinessUnit {
  id: string;
  name: string;
}

export interface Project {
  id: string;
  businessUnitId: string;
  name: string;
}

/** One project's month. Amounts are whole currency units; `month` is `YYYY-MM`. */
export interface MonthlyFact {
  projectId: string;
  month: string;
  revenue: number;
  costs: number;
  budget: number;
  headcount: number;
  hires: number;
  departures: number;
  pipeline: number;
  incidents: number;
}

export interface CompanyData {
  businessUnits: BusinessUnit[];
  projects: Project[];
  facts: MonthlyFact[];
}

export interface CompanySeedOptions {
  seed: number;
  months: number;
  /** The last month with data (`YYYY-MM`), by default the current month (UTC). */
  endMonth: string;
}

export const DEFAULT_COMPANY_SEED = 20261125;
export const DEFAULT_COMPANY_MONTHS = 24;

const BUSINESS_UNITS: BusinessUnit[] = [
  { id: 'cloud', name: 'Cloud Services' },
  { id: 'consulting', name: 'Consulting' },
  { id: 'devices', name: 'Devices' },
];

const PROJECTS: Project[] = [
  { id: 'atlas', businessUnitId: 'cloud', name: 'Atlas Platform' },
  { id: 'nimbus', businessUnitId: 'cloud', name: 'Nimbus Storage' },
  { id: 'beacon', businessUnitId: 'consulting', name: 'Beacon Advisory' },
  { id: 'compass', businessUnitId: 'consulting', name: 'Compass Migrations' },
  { id: 'forge', businessUnitId: 'devices', name: 'Forge Sensors' },
  { id: 'keystone', businessUnitId: 'devices', name: 'Keystone Gateways' },
];

/** mulberry32: tiny, fast and good enough for demo numbers; the same seed gives the same stream. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function currentMonth(now = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** `YYYY-MM` shifted by `delta` months. */
export function addMonths(month: string, delta: number): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (mon - 1) + delta;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function generateCompanyData(options: CompanySeedOptions): CompanyData {
  const next = random(options.seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * next();
  const start = addMonths(options.endMonth, -(options.months - 1));
  const facts: MonthlyFact[] = [];
  for (const project of PROJECTS) {
    // Each project gets its own scale, plan growth and margin, so units differ visibly.
    const baseRevenue = between(80_000, 420_000);
    const planGrowth = between(0.004, 0.02);
    const margin = between(0.08, 0.3);
    const costPerHead = between(7_000, 11_000);
    let headcount = Math.max(4, Math.round((baseRevenue * (1 - margin)) / costPerHead));
    for (let m = 0; m < options.months; m++) {
      const month = addMonths(start, m);
      const seasonality = 1 + 0.06 * Math.sin(((Number(month.slice(5)) - 1) / 12) * 2 * Math.PI);
      const budget = Math.round(baseRevenue * (1 + planGrowth) ** m * seasonality);
      const revenue = Math.round(budget * (1 + between(-0.08, 0.08)));
      // Costs stay under revenue except in the odd bad month.
      const costRatio = next() < 0.1 ? between(1.01, 1.12) : between(1 - margin - 0.04, 1 - margin + 0.04);
      const costs = Math.round(revenue * costRatio);
      const hires = next() < 0.55 ? Math.floor(between(1, 4)) : 0;
      const departures = next() < 0.3 && headcount > 1 ? 1 : 0;
      headcount += hires - departures;
      const pipeline = Math.round(revenue * between(2.5, 4));
      const roll = next();
      const incidents = roll < 0.45 ? 0 : roll < 0.75 ? 1 : roll < 0.92 ? 2 : roll < 0.98 ? 3 : 5;
      facts.push({ projectId: project.id, month, revenue, costs, budget, headcount, hires, departures, pipeline, incidents });
    }
  }
  return { businessUnits: BUSINESS_UNITS.map((b) => ({ ...b })), projects: PROJECTS.map((p) => ({ ...p })), facts };
}
