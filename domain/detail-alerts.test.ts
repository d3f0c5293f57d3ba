import { describe, expect, it } from 'vitest';
import type { AlertDto } from './schemas.js';
import { openAlerts } from './detail-alerts.js';

const unit = { code: 'xqz', name: '修齐镇' };
function alert(over: Partial<AlertDto>): AlertDto {
  return {
    kind: 'start',
    period: '',
    step: 'overdue',
    dueDate: '2026-04-01',
    stepDate: '2026-04-02',
    daysLate: 1,
    daysLateNow: 1,
    status: 'active',
    responsibleUnit: unit,
    raisedAt: '2026-04-02T00:00:00.000Z',
    closedAt: null,
    ...over,
  };
}

describe('the detail table’s open alerts', () => {
  it('names each late deadline once, from the alerts its ladders hold open', () => {
    const sut = openAlerts(
      'underway',
      [
        alert({ step: 'reminder', status: 'resolved' }),
        alert({ step: 'overdue' }),
        alert({ step: 'escalated' }),
        alert({ kind: 'progress', period: '2026-10', dueDate: '2026-10-31', step: 'overdue' }),
        // Before its date: a reminder, not a warning.
        alert({ kind: 'completion', dueDate: '2026-12-31', step: 'reminder', daysLate: 0 }),
        // A ladder stopped (the stage was reached, or 调项 re-armed it): no longer late.
        alert({ kind: 'acceptance', dueDate: '2026-09-30', status: 'superseded' }),
      ],
      [],
    );
    expect(sut).toEqual([
      { code: 'notStarted', label: '逾期未开工（计划 2026-04-01）', on: '2026-04-01' },
      { code: 'progressMissing', label: '逾期未录入月度进度（2026-10）', on: '2026-10-31' },
    ]);
  });

  it('names a failed inspection only while the project is being rectified', () => {
    const inspections = [
      { on: '2026-09-20', passed: false, findings: '护栏缺失' },
      { on: '2026-10-08', passed: true, findings: '' },
    ];
    expect(openAlerts('accepted', [], inspections)).toEqual([]);
    expect(openAlerts('rectifying', [], inspections.slice(0, 1))).toEqual([
      { code: 'rectification', label: '验收未通过，整改（2026-09-20）', on: '2026-09-20' },
    ]);
  });
});
