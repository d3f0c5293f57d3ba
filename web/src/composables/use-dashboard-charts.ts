import { computed, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { formatBasisPoints, formatWanYuan } from '@domain/money';
import type { DashboardStatsDto } from '@domain/schemas';
import type { ChartOption } from '../components/EChart.vue';
import { useLabels } from './use-labels';

/** A disbursement rate as shown: the api's integer basis points, or a dash when nothing is budgeted. */
export const rateText = (bp: number | null) => (bp === null ? '—' : formatBasisPoints(bp));

/** 万元 as a number for the chart's geometry only; labels and tooltips print the exact string. */
// Totals arrive as exact decimal strings of 分; a chart only needs their size in 万元.
const wan = (fen: string | number) => Number(formatWanYuan(fen).replace(/,/g, ''));

/** The dashboard's charts (ECharts options) drawn from its figures. */
export function useDashboardCharts(stats: Ref<DashboardStatsDto | null>) {
  const { t } = useI18n();
  const labels = useLabels();

  const stageChart = computed<ChartOption>(() => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: stats.value?.projects.byStage.map((s) => labels.stage(s.stage)) ?? [],
      axisLabel: { interval: 0, rotate: 40, fontSize: 11 },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        data: stats.value?.projects.byStage.map((s) => s.count) ?? [],
        itemStyle: { color: '#1d4f91' },
      },
    ],
  }));

  const sourceChart = computed<ChartOption>(() => {
    const rows = stats.value?.money.bySource ?? [];
    const bar = (name: string, color: string, fen: (r: (typeof rows)[number]) => string) => ({
      name,
      type: 'bar' as const,
      itemStyle: { color },
      data: rows.map((r) => ({ value: wan(fen(r)), fen: fen(r) })),
    });
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: unknown) => {
          const d = p as { seriesName: string; name: string; data: { fen: string } };
          return `${d.name}<br/>${d.seriesName}：${formatWanYuan(d.data.fen)}`;
        },
      },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 8, bottom: 32, containLabel: true },
      xAxis: { type: 'value', splitNumber: 3, axisLabel: { hideOverlap: true, fontSize: 10 } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => labels.fundSource(r.kind)),
        axisLabel: { width: 110, overflow: 'truncate', fontSize: 11 },
      },
      series: [
        bar(t('dashboard.budget'), '#1d4f91', (r) => r.budgetFen),
        bar(t('dashboard.disbursedShort'), '#3a9d5d', (r) => r.disbursedFen),
      ],
    };
  });

  const disbursementChart = computed<ChartOption>(() => {
    const m = stats.value?.money;
    const left = m ? BigInt(m.budgetFen) - BigInt(m.disbursedFen) : 0n;
    const rest = (left > 0n ? left : 0n).toString();
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: unknown) => {
          const d = p as { name: string; data: { fen: string } };
          return `${d.name}<br/>${formatWanYuan(d.data.fen)}`;
        },
      },
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['40%', '62%'],
          center: ['50%', '44%'],
          label: {
            show: true,
            position: 'center',
            fontSize: 18,
            fontWeight: 'bold',
            formatter: () => rateText(m?.disbursedBasisPoints ?? null),
          },
          data: [
            {
              name: t('dashboard.disbursedShort'),
              value: wan(m?.disbursedFen ?? '0'),
              fen: m?.disbursedFen ?? '0',
              itemStyle: { color: '#3a9d5d' },
            },
            {
              name: t('dashboard.notDisbursed'),
              value: wan(rest),
              fen: rest,
              itemStyle: { color: '#d9dee4' },
            },
          ],
        },
      ],
    };
  });

  const unitChart = computed<ChartOption>(() => {
    const rows = stats.value?.overdue.byUnit ?? [];
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => r.unit.name),
        axisLabel: { width: 90, overflow: 'truncate', fontSize: 11 },
      },
      series: [{ type: 'bar', data: rows.map((r) => r.count), itemStyle: { color: '#c0392b' } }],
    };
  });

  return { stageChart, sourceChart, disbursementChart, unitChart };
}
