import { computed, type Ref } from 'vue';
import { formatWanYuan } from '@domain/money';
import type { StatDimension, StatFigures } from '@domain/statistics-schemas';
import type { StatisticsDto } from '../api/statistics';
import type { ChartOption } from '../components/EChart.vue';
import type { Metric } from './use-statistics';

/** A figure as a number for the chart's geometry only (万元 for money, % for the rate). */
export function chartValue(f: StatFigures | undefined, m: Metric): number {
  if (!f) return 0;
  if (m === 'projects' || m === 'overdueProjects') return f[m];
  if (m === 'disbursedBasisPoints') return (f.disbursedBasisPoints ?? 0) / 100;
  return Number(formatWanYuan(f[m]).replace(/,/g, ''));
}

/**
 * The statistics as bars: one bar per row value; crossed with columns, one series per column value,
 * stacked where the figure adds up (counts and money), side by side for the rate.
 */
export function useStatisticsChart(
  stats: Ref<StatisticsDto | null>,
  metric: Ref<Metric>,
  labelOf: (d: StatDimension, m: { key: string; label: string }) => string,
  cellOf: Ref<(row: string, column: string) => StatFigures | undefined>,
) {
  return computed<ChartOption>(() => {
    const s = stats.value;
    const m = metric.value;
    const rows = s?.rows.members ?? [];
    const series = s?.columns
      ? s.columns.members.map((c) => ({
          name: labelOf(s.columns!.dimension, c),
          type: 'bar' as const,
          stack: m === 'disbursedBasisPoints' ? undefined : 'all',
          data: rows.map((r) => chartValue(cellOf.value(r.key, c.key), m)),
        }))
      : [
          {
            name: '',
            type: 'bar' as const,
            data: rows.map((r) => chartValue(r, m)),
            itemStyle: { color: '#1d4f91' },
          },
        ];
    return {
      tooltip: { trigger: 'axis' },
      legend: s?.columns ? { bottom: 0, type: 'scroll' } : undefined,
      grid: { left: 8, right: 16, top: 16, bottom: s?.columns ? 36 : 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: rows.map((r) => (s ? labelOf(s.rows.dimension, r) : r.label)),
        axisLabel: { interval: 0, rotate: rows.length > 6 ? 40 : 0, fontSize: 11 },
      },
      yAxis: { type: 'value', minInterval: m === 'projects' || m === 'overdueProjects' ? 1 : undefined },
      series,
    };
  });
}
