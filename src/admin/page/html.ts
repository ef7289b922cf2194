/** The live page's markup; filled by live.js from `/v1/summary` and `/v1/live`. */
export const livePageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tokenmeter · live spend</title>
<link rel="stylesheet" href="/assets/live.css">
</head>
<body>
<header>
  <h1>tokenmeter <span class="sub">live LLM spend</span></h1>
  <span id="status" data-state="connecting">connecting…</span>
</header>
<main>
  <section class="cards">
    <div class="card"><div class="label">Spend, <span id="window-label">last hour</span></div><div class="value" id="total-cost">–</div></div>
    <div class="card"><div class="label">LLM calls</div><div class="value" id="total-calls">–</div></div>
    <div class="card"><div class="label">Traces</div><div class="value" id="total-traces">–</div></div>
    <div class="card"><div class="label">Tokens</div><div class="value" id="total-tokens">–</div></div>
    <div class="card warn" id="unpriced-card"><div class="label">Unpriced calls</div><div class="value" id="total-unpriced">–</div></div>
  </section>
  <section id="unpriced" hidden>
    <h2>Unpriced models: their spend is missing from the totals</h2>
    <table><thead><tr><th>Model</th><th>Provider</th><th class="num">Calls</th><th>Why</th></tr></thead><tbody id="unpriced-models"></tbody></table>
  </section>
  <section>
    <h2>Spend per minute</h2>
    <div id="per-minute" class="chart" role="img" aria-label="spend per minute"></div>
  </section>
  <section class="tops">
    <div><h2>Top models</h2><table><thead><tr><th>Model</th><th class="num">Calls</th><th class="num">Cost</th></tr></thead><tbody id="top-models"></tbody></table></div>
    <div><h2>Top workflows</h2><table><thead><tr><th>Workflow</th><th class="num">Runs</th><th class="num">Calls</th><th class="num">Cost</th></tr></thead><tbody id="top-workflows"></tbody></table></div>
    <div><h2>Top nodes</h2><table><thead><tr><th>Node</th><th class="num">Calls</th><th class="num">Cost</th></tr></thead><tbody id="top-nodes"></tbody></table></div>
  </section>
  <section>
    <h2>Recent traces</h2>
    <table><thead><tr><th>Finished</th><th>Workflow</th><th>Service</th><th class="num">Calls</th><th class="num">Duration</th><th>Bottleneck</th><th class="num">Cost</th></tr></thead>
    <tbody id="recent-traces"></tbody></table>
  </section>
  <section>
    <h2>Live calls <span class="muted">since this page opened</span></h2>
    <ol id="live-calls" class="feed"></ol>
  </section>
</main>
<script src="/assets/live.js"></script>
</body>
</html>
`;
