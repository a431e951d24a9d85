import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS function (a @stdlib distribution) loaded on its first call instead of at import.
 * Why: each @stdlib package pulls its own tree of small files — the t, beta, binomial, Poisson
 * and hypergeometric functions ~230 of the ~470 files the statistics loaded at start-up, ~300 ms
 * of `analyze`'s start on a shared core — while the sequential judge never calls them (they serve
 * the fixed judge's tests, Welch's t and Clopper-Pearson). A command that uses one pays for it
 * at its first call, once.
 */
export function lazyFunction<F extends (...args: never[]) => unknown>(name: string): F {
  let loaded: F | undefined;
  return ((...args: Parameters<F>) => (loaded ??= require(name) as F)(...args)) as F;
}
