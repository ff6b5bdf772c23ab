/**
 * The dashboard's chart, drawn on the server as SVG (no script): one line per series over the
 * period's days, a y axis with its scale, an x axis with dates, and the numbers behind it for a
 * table that screen readers and people who prefer figures read instead.
 */

const DAY_MS = 86_400_000;
/** The drawing's box and its plot area inside, in SVG units. */
export const CHART = { width: 640, height: 232, left: 44, right: 630, top: 24, bottom: 196 } as const;

export interface ChartSeries {
  name: string;
  /** One count per day of the period. */
  values: number[];
  total: number;
  /** The SVG polyline's points. */
  points: string;
}

export interface Chart {
  /** The period's days, YYYY-MM-DD (UTC), oldest first. */
  days: string[];
  series: ChartSeries[];
  /** The scale's top: the highest day, rounded up to a readable number. */
  max: number;
  yTicks: { y: number; value: number }[];
  xTicks: { x: number; label: string }[];
}

/** The smallest of 1, 2, 5 × 10ⁿ that is at least `value` (an axis that ends on a round number). */
function roundUp(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= value) ?? 10 * power;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** The chart of `series` (counts by day number since 1970) over `days` days from `firstDay`. */
export function lineChart(perSeries: { name: string; perDay: Map<number, number> }[], firstDay: number, days: number): Chart {
  const dates = Array.from({ length: days }, (_, i) => new Date((firstDay + i) * DAY_MS).toISOString().slice(0, 10));
  const values = perSeries.map(({ perDay }) => dates.map((_, i) => perDay.get(firstDay + i) ?? 0));
  const max = roundUp(Math.max(0, ...values.flat()));
  const plotWidth = CHART.right - CHART.left;
  const plotHeight = CHART.bottom - CHART.top;
  const x = (i: number) => round(CHART.left + (days === 1 ? plotWidth / 2 : (i * plotWidth) / (days - 1)));
  const y = (value: number) => round(CHART.bottom - (value / max) * plotHeight);
  // About six dates along the axis, the last day always among them.
  const every = Math.max(1, Math.ceil(days / 6));
  const marked = dates.map((_, i) => i).filter((i) => (days - 1 - i) % every === 0);
  return {
    days: dates,
    series: perSeries.map(({ name }, s) => ({
      name,
      values: values[s]!,
      total: values[s]!.reduce((sum, value) => sum + value, 0),
      points: values[s]!.map((value, i) => `${x(i)},${y(value)}`).join(' '),
    })),
    max,
    yTicks: [0, max / 2, max].map((value) => ({ y: y(value), value })),
    xTicks: marked.map((i) => ({ x: x(i), label: dates[i]!.slice(5) })),
  };
}
