import { hodgesLehmann } from '../analyzer/stats/hodgesLehmann.ts';
const rnd = (() => { let s = 1; return () => { s = (s * 16807) % 2147483647; return s / 2147483647; }; })();
const a = Array.from({ length: 100000 }, () => Math.exp(rnd()));
const b = Array.from({ length: 100000 }, () => Math.exp(rnd() + 0.01));
for (let i = 0; i < 4; i++) { const t0 = performance.now(); hodgesLehmann(a, b); console.log((performance.now() - t0).toFixed(0), 'ms'); }
const t0 = performance.now(); Float64Array.from(a).sort(); console.log('sort', (performance.now() - t0).toFixed(1));
