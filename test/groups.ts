/**
 * Opt-in test groups inside a file (scripts/run-tests.js handles whole files named
 * `name.GROUP.test.ts`): `test(name, inGroup('calibration'), fn)` runs the test only when its group
 * was asked for, and otherwise skips it saying how to run it. The runner passes the groups it
 * resolved (`--all`, `--group`, `RH_TEST_GROUPS`) to the test processes in `RH_TEST_GROUPS`.
 *
 *  - calibration: statistical simulations over many seeds (false-alarm rates, interval coverage,
 *    restart equivalence) — minutes of CPU that change only with the statistics;
 *  - scenario: whole-product stories on a virtual clock.
 */
export type TestGroup = 'calibration' | 'scenario';

export function groupsWanted(env: Record<string, string | undefined> = process.env): Set<string> {
  return new Set(
    (env.RH_TEST_GROUPS ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
  );
}

/** Test options: runs when `group` is wanted, else a skip that names the command. */
export function inGroup(group: TestGroup, env: Record<string, string | undefined> = process.env): { skip?: string } {
  const wanted = groupsWanted(env);
  if (wanted.has(group) || wanted.has('all')) return {};
  return { skip: `${group} group: npm test -- --all (or RH_TEST_GROUPS=${group})` };
}
