// The sessions, logs, feedback and usage pages' few browser-side needs: the operator's time zone, copying a link,
// and drawing the usage charts with Chart.js (vendored, loaded only by the usage page). Blazor renders everything
// else; the figures the charts show are also in the page's tables, for screen readers and for copying.

/** The browser's time zone, so the server writes times as the operator reads them. */
export function zone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
}

/** Copies text to the clipboard; false when the browser does not allow it (the page then shows the text to copy). */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function select(input) {
  input.select();
}

const charts = new Map();

/**
 * Draws (or redraws) a bar chart in a canvas. `spec` is { labels, series: [{ label, data, color, stack, axis }], stacked,
 * lines: [{ label, data, color }] }, all numbers already added up by the server. Text goes in as text: Chart.js draws
 * labels on the canvas, never as HTML.
 */
export function draw(canvas, spec) {
  charts.get(canvas)?.destroy();
  const datasets = spec.series.map(s => ({
    type: 'bar', label: s.label, data: s.data, backgroundColor: s.color, stack: s.stack, yAxisID: 'y', order: 2,
  }));
  for (const line of spec.lines ?? []) {
    datasets.push({ type: 'line', label: line.label, data: line.data, borderColor: line.color, backgroundColor: line.color, yAxisID: 'y2', order: 1, tension: 0.2, pointRadius: 2 });
  }
  const scales = {
    x: { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } },
    y: { stacked: spec.stacked, beginAtZero: true, title: { display: true, text: spec.yTitle } },
  };
  if (spec.lines?.length) scales.y2 = { position: 'right', beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: spec.y2Title } };
  const chart = new window.Chart(canvas, {
    data: { labels: spec.labels, datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false, indexAxis: spec.horizontal ? 'y' : 'x',
      interaction: { mode: 'index', intersect: false },
      locale: document.documentElement.lang || undefined,
      scales: spec.horizontal ? { x: { ...scales.y, stacked: spec.stacked }, y: { ...scales.x, stacked: spec.stacked } } : scales,
      plugins: { legend: { position: 'bottom' } },
    },
  });
  charts.set(canvas, chart);
  canvas.dataset.drawn = String(spec.labels.length);
}

export function forget(canvas) {
  charts.get(canvas)?.destroy();
  charts.delete(canvas);
}

let chartLibrary;

/** Loads the vendored Chart.js once per page; the usage page passes its fingerprinted address. */
export function loadCharts(url) {
  chartLibrary ??= new Promise((resolve, reject) => {
    if (window.Chart) return resolve();
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('Chart.js did not load'));
    document.head.append(script);
  });
  return chartLibrary;
}
