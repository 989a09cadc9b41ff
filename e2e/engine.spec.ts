import { expect, test } from '@playwright/test';

// The GPU engine (WGSL, forced; SwiftShader where there is no GPU) against the float64 CPU engine, in Chromium, on
// the same seeded maps (ReLU-like, smooth, constant, all-zero, NaN-holding, random), at awkward
// sizes. Tolerance: every ring's energy within 1e-5 of the map's whole energy, SROPs within 1e-3
// (of the Nyquist radius), and the same status (ok, dead, nonfinite) for every map.
const PROFILE_TOLERANCE = 1e-5;
const SROP_TOLERANCE = 1e-3;

type Harness = { compare: (cases: unknown[], params?: unknown[]) => Promise<{ adapter: { name: string } | null; results: Array<{ height: number; width: number; maps: number; profileError: number; srop: Array<{ worst: number; statusMismatch: number; statuses: number[] }> }> }> };

const paramSets = [
  { kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true },
  { kappa: 0.5, dc: 'remove', domain: 'full', interpolate: true },
  { kappa: 0.99, dc: 'remove', domain: 'disc', interpolate: true },
];

const groups: Array<Array<{ height: number; width: number; maps: number }>> = [
  [
    { height: 1, width: 1, maps: 6 },
    { height: 1, width: 7, maps: 6 },
    { height: 7, width: 1, maps: 6 },
    { height: 2, width: 2, maps: 6 },
    { height: 7, width: 7, maps: 12 },
    { height: 13, width: 17, maps: 12 },
    { height: 14, width: 14, maps: 6 },
  ],
  [
    { height: 28, width: 28, maps: 6 },
    { height: 56, width: 56, maps: 6 },
    { height: 112, width: 112, maps: 3 },
    { height: 224, width: 224, maps: 2 },
  ],
  [
    { height: 251, width: 251, maps: 1 },
    { height: 1021, width: 5, maps: 2 },
    { height: 5, width: 1021, maps: 2 },
  ],
];

for (const [index, cases] of groups.entries()) {
  test(`GPU engine matches the CPU engine in Chromium, sizes group ${index + 1}: ${cases.map((c) => `${c.height}x${c.width}`).join(', ')}`, async ({ page }) => {
    await page.goto('/e2e/harness/');
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const report = await page.evaluate(
      ([c, p]) => (window as unknown as { sropHarness: Harness }).sropHarness.compare(c, p),
      [cases, paramSets] as const,
    );
    expect(report.adapter?.name).toBeTruthy();
    for (const r of report.results) {
      const label = `${r.height}x${r.width}`;
      expect(r.profileError, `${label} ring energies`).toBeLessThanOrEqual(PROFILE_TOLERANCE);
      for (const s of r.srop) {
        expect(s.statusMismatch, `${label} statuses`).toBe(0);
        expect(s.worst, `${label} SROPs`).toBeLessThanOrEqual(SROP_TOLERANCE);
      }
      // The seeded set holds every kind of map, so both the dead and the non-finite paths are exercised.
      if (r.maps >= 6) expect(new Set(r.srop[0].statuses)).toEqual(new Set([0, 1, 2]));
    }
  });
}
