/**
 * The command table and the exit-code table: every subcommand is registered through `COMMANDS`,
 * answers `--help` with its own usage, and turns a usage error into the table's code — the same
 * code whichever folder the command's work lives in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EXIT } from './command.ts';
import { COMMANDS } from './main.ts';
import { runCli } from './testing/cliRun.ts';

test('every subcommand: an unknown flag is a usage error (64), --help prints its usage (0)', async () => {
  for (const { name } of COMMANDS) {
    const wrong = await runCli([name, '--no-such-flag']);
    assert.equal(wrong.code, EXIT.usage, `${name}: ${wrong.err}`);
    assert.match(wrong.err, new RegExp(`run "release-health ${name} --help" for usage`), name);
    const help = await runCli([name, '--help']);
    assert.equal(help.code, EXIT.ok, `${name}: ${help.err}`);
    assert.match(help.out, new RegExp(`^usage: release-health ${name}\\b`), name);
  }
});

test('every subcommand that needs an argument: leaving it out is a usage error (64)', async () => {
  // demo needs none; the others refuse to start without their input
  for (const { name } of COMMANDS.filter((c) => c.name !== 'demo')) {
    const result = await runCli([name]);
    assert.equal(result.code, EXIT.usage, `${name}: ${result.err}`);
  }
});

test('release-health --help lists every command and the exit-code table; no or an unknown command is 64', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, EXIT.ok);
  for (const { name, summary } of COMMANDS) assert.ok(help.out.includes(`${name}`) && help.out.includes(summary), name);
  for (const code of Object.values(EXIT)) assert.match(help.out, new RegExp(`^  ${code} `, 'm'), String(code));
  assert.equal((await runCli([])).code, EXIT.usage);
  const unknown = await runCli(['analyse']);
  assert.equal(unknown.code, EXIT.usage);
  assert.match(unknown.err, /unknown command "analyse"/);
});

test("README's CLI section carries the same exit-code table", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of Object.values(EXIT)) assert.match(readme, new RegExp(`^\\| ${code} \\|`, 'm'), String(code));
});
