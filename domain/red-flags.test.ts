import { describe, expect, it } from 'vitest';
import { explain } from './red-flags.js';

describe('red flag explanations', () => {
  // The facts as the scan stores them (shareBp: basis points, truncated); flags already stored read the same.
  const concentration = (count: number, total: number) =>
    explain('contractorConcentration', {
      year: 2032,
      count,
      total,
      shareBp: Math.trunc((count * 10000) / total),
      townshipName: '巴山镇',
      contractorName: '平昌建工',
    });

  it("gives a contractor's share exactly, rounded half up to a tenth of a per cent", () => {
    expect(concentration(5, 9)['zh-CN']).toBe('平昌建工承接了巴山镇2032年9个已签约项目中的5个（55.6%）。');
    expect(concentration(13, 14).en).toBe(
      '平昌建工 holds 13 of the 14 contracted projects of 巴山镇 in 2032 (92.9%).',
    );
    expect(concentration(3, 4).en).toContain('(75.0%)');
    expect(concentration(1, 16).en).toContain('(6.3%)'); // 6.25: half up
    expect(concentration(2, 2).en).toContain('(100.0%)');
  });
});
