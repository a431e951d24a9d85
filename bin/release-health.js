#!/usr/bin/env node
// The package ships TypeScript sources; tsx's loader compiles them on the fly so that
// `npx release-health` works straight after `npm install`, with no build step to forget.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
