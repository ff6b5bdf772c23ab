/** The dashboard chart's geometry: dated axis, a round scale, one line per series. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHART, lineChart } from './dashboard-chart.ts';

const day = Date.parse('2026-05-01T00:00:00Z') / 86_400_000;

test('a week: the days dated, the scale rounded up, each series a line from left to right', () => {
  const chart = lineChart(
    [
      { name: 'reset', perDay: new Map([[day + 6, 7]]) },
      { name: 'unlock', perDay: new Map() },
    ],
    day,
    7,
  );
  assert.deepEqual(chart.days, ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07']);
  assert.equal(chart.max, 10, 'the scale ends on a round number');
  assert.deepEqual(
    chart.yTicks.map((tick) => tick.value),
    [0, 5, 10],
  );
  assert.equal(chart.xTicks.at(-1)?.label, '05-07', 'the last day is marked');
  const points = chart.series[0]!.points.split(' ').map((point) => point.split(',').map(Number));
  assert.deepEqual(points[0], [CHART.left, CHART.bottom]);
  assert.equal(points.at(-1)![0], CHART.right);
  assert.equal(chart.series[0]!.total, 7);
  assert.equal(chart.series[1]!.total, 0);
});

test('a single day is a point in the middle; a year has about six dates on its axis', () => {
  const one = lineChart([{ name: 'reset', perDay: new Map([[day, 1]]) }], day, 1);
  assert.equal(one.series[0]!.points, `${(CHART.left + CHART.right) / 2},${CHART.top}`);
  const year = lineChart([{ name: 'reset', perDay: new Map() }], day, 365);
  assert.ok(year.xTicks.length >= 5 && year.xTicks.length <= 7, `${year.xTicks.length} dates`);
});
