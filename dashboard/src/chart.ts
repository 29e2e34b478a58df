// The day's sales by hour as a bar chart: Apache ECharts, imported piece by piece (the bar chart,
// the grid, the tooltip, the canvas renderer) to keep the first page small, in the reader's
// language (ECharts carries zh-CN and en itself).
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { Locale } from './i18n.js';

use([BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export interface HourBars {
  readonly hours: readonly string[];
  readonly counts: readonly number[];
  /** Yuan, for the second series. */
  readonly amounts: readonly number[];
  readonly countLabel: string;
  readonly amountLabel: string;
}

/** Draws the chart into `element`; returns what disposes of it. */
export function drawHourChart(element: HTMLElement, lang: Locale, bars: HourBars): () => void {
  const chart: ECharts = init(element, null, { locale: lang === 'zh-CN' ? 'ZH' : 'EN', renderer: 'canvas' });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [bars.countLabel, bars.amountLabel] },
    grid: { left: 48, right: 64, top: 56, bottom: 32 },
    xAxis: { type: 'category', data: [...bars.hours] },
    yAxis: [
      { type: 'value', name: bars.countLabel, minInterval: 1 },
      { type: 'value', name: bars.amountLabel },
    ],
    series: [
      { name: bars.countLabel, type: 'bar', data: [...bars.counts], itemStyle: { color: '#1f5fa8' } },
      {
        name: bars.amountLabel,
        type: 'bar',
        yAxisIndex: 1,
        data: [...bars.amounts],
        itemStyle: { color: '#8fb3de' },
      },
    ],
  });
  const onResize = (): void => chart.resize();
  addEventListener('resize', onResize);
  return () => {
    removeEventListener('resize', onResize);
    chart.dispose();
  };
}

/** Draws one finding's rate against the fleet's as two bars (percentages); returns its disposer. */
export function drawRateChart(
  element: HTMLElement,
  lang: Locale,
  bars: { readonly labels: readonly [string, string]; readonly percents: readonly [number, number] },
): () => void {
  const chart: ECharts = init(element, null, { locale: lang === 'zh-CN' ? 'ZH' : 'EN', renderer: 'canvas' });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${Number(v).toFixed(2)}%` },
    grid: { left: 96, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', data: [...bars.labels] },
    series: [
      {
        type: 'bar',
        data: [
          { value: bars.percents[0], itemStyle: { color: '#b3261e' } },
          { value: bars.percents[1], itemStyle: { color: '#8fb3de' } },
        ],
      },
    ],
  });
  return () => chart.dispose();
}
