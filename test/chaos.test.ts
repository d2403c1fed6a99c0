// Faults in reduced form: worker killed with SIGKILL, Temporal server restarted, peer failing half the time.
import { describe, expect, it } from 'vitest';
import { chaosPassed, runChaos } from '../scripts/chaos';

describe('faults', () => {
  it('loses no run, opens one incident per run and sends every e-mail (at least once, one Message-ID each) and lands every delivery through kill -9, a server restart and a flapping peer', async () => {
    const report = await runChaos({ runs: 12, kills: 3, restartServer: true, failureRate: 0.5 });
    expect(report.notCompleted).toEqual([]);
    expect(report.incidentsPerRun).toEqual({ missing: [], doubled: [] });
    expect(report.deliveries.missing).toEqual([]);
    expect(report.deliveries.landed).toBe(12);
    // Every e-mail arrives; one sent again after a kill in RFC 1047's window keeps its Message-ID.
    expect(report.emails).toMatchObject({ missing: [], duplicated: [] });
    expect(report.emails.received).toBe(12 + report.emails.redelivered.length);
    expect(report.deliveries.refused503).toBeGreaterThan(0);
    expect(report.kills).toBe(3);
    expect(report.serverRestarts).toBe(1);
    expect(chaosPassed(report)).toBe(true);
  }, 300_000);
});
