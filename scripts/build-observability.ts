/**
 * `npm run observability:build`: writes the Grafana dashboards (scripts/observability/dashboards.ts)
 * and the PrometheusRule (from deploy/prometheus/rules/) into deploy/. Run it after changing
 * either; test/deploy/observability.test.ts fails while the committed files are stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO, renderAll } from './observability/render';

for (const [file, content] of renderAll()) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  console.log(`wrote ${path.relative(REPO, file)}`);
}
