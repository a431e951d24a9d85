import { readFileSync } from 'node:fs';
import { fisherExact, welchTTest, twoProportionTest, cleanSample, poissonRateTest, binomialTest, hodgesLehmann, mannWhitneyU } from '../analyzer/stats/index.ts';
import { clopperPearson } from '../analyzer/stats/clopperPearson.ts';
import { mannWhitneyUDistribution } from '../analyzer/stats/mannWhitneyUDistribution.ts';
const f = JSON.parse(readFileSync('test/fixtures/stats-reference.json','utf8'));
const rel = (a:number,b:number)=> Math.abs(a-b)/Math.abs(b);
for (const c of f.fisherExact) { const r = fisherExact(c.table); console.log('fisher', r.p, rel(r.p, c.pTwoSided).toExponential(2), r.oddsRatio); }
for (const c of f.welch) { const r = welchTTest(c.baseline, c.canary); console.log('welch', rel(r.t,c.t).toExponential(2), rel(r.p,c.pTwoSided).toExponential(2), rel(r.df,c.df).toExponential(2)); }
console.log(fisherExact([[1, 99], [6, 94]]));
console.log(welchTTest([10, 11, 12, 13], [12, 13, 14, 15]));
console.log(twoProportionTest({ baselineEvents: 20, baselineTotal: 2000, canaryEvents: 40, canaryTotal: 2000 }));
console.log(twoProportionTest({ baselineEvents: 0, baselineTotal: 2000, canaryEvents: 3, canaryTotal: 200 }));
console.log(twoProportionTest({ baselineEvents: 0, baselineTotal: 2000, canaryEvents: 0, canaryTotal: 200 }));
console.log(cleanSample([1, NaN, 2, 3, 2, 100], { removeOutliers: true }));
console.log(poissonRateTest({ baselineCount: 10, baselineExposure: 1, canaryCount: 20, canaryExposure: 1 }));
console.log(poissonRateTest({ baselineCount: 0, baselineExposure: 1, canaryCount: 0, canaryExposure: 1 }));
console.log(binomialTest(7, 200, { p0: 0.01, alternative: 'greater' }), clopperPearson(7,200,0.95,'two-sided'));
console.log(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], { alternative: 'greater' }), mannWhitneyUDistribution(5,5,0)[0]);
console.log(hodgesLehmann([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]));
console.log(binomialTest(1, 1e6, {p0: 1e-3, alternative:'less'}).p, binomialTest(3000, 1e6, {p0: 1e-3, alternative:'greater'}).p, binomialTest(3000, 1e6, {p0: 1e-3}).p);
console.log(fisherExact([[5000, 995000],[4000, 996000]]), fisherExact([[5000, 995000],[4000, 996000]], {alternative:'greater'}), fisherExact([[5000, 995000],[4000, 996000]], {alternative:'less'}));
console.log(fisherExact([[0, 10],[10, 0]]), fisherExact([[3, 3],[3, 3]]));
