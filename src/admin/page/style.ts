/** The live page's stylesheet: no fonts or assets from elsewhere, so it works offline. */
export const livePageCss = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #6b7280; --bg: #f6f7f9; --card: #fff; --accent: #2563eb; --warn: #b45309; --bad: #b91c1c; }
@media (prefers-color-scheme: dark) { :root { --fg: #e5e7eb; --muted: #9ca3af; --bg: #111318; --card: #1b1f27; --accent: #60a5fa; --warn: #f59e0b; --bad: #f87171; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; justify-content: space-between; padding: 12px 20px; border-bottom: 1px solid #8884; }
h1 { font-size: 20px; margin: 0; } h1 .sub { color: var(--muted); font-weight: normal; font-size: 14px; }
h2 { font-size: 15px; margin: 18px 0 8px; }
main { padding: 0 20px 30px; max-width: 1280px; }
#status { font-size: 12px; color: var(--muted); } #status[data-state="live"] { color: #16a34a; } #status[data-state="reconnecting"] { color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-top: 16px; }
.card { background: var(--card); border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px #0002; }
.card .label { color: var(--muted); font-size: 12px; } .card .value { font-size: 24px; font-variant-numeric: tabular-nums; }
.card.warn[data-flagged="true"] .value { color: var(--bad); }
.tops { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
table { width: 100%; border-collapse: collapse; background: var(--card); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #8882; font-variant-numeric: tabular-nums; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; }
#unpriced h2 { color: var(--bad); }
.unpriced { color: var(--bad); font-weight: 600; }
.chart { display: flex; align-items: flex-end; gap: 2px; height: 120px; background: var(--card); border-radius: 8px; padding: 8px; }
.chart .bar { flex: 1; background: var(--accent); min-height: 1px; border-radius: 2px 2px 0 0; }
.feed { list-style: none; padding: 0; margin: 0; background: var(--card); border-radius: 8px; }
.feed li { padding: 5px 10px; border-bottom: 1px solid #8882; display: flex; gap: 12px; font-variant-numeric: tabular-nums; }
.feed li .cost { margin-left: auto; }
.muted { color: var(--muted); }
`;
