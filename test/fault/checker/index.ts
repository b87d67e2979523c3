// The linearizability checker for Canopy's fault tests: give it a recorded register history, get back a
// verdict and, for each violation, a small failing sub-history with a readable timeline.
//
//   const result = checkRegisterHistory(history, { stepBudgetPerKey: 2_000_000, shrinkBudgetMs: 20_000 });
//   if (result.verdict === 'violation') for (const v of result.violations) console.log(v.message, v.timeline);
export * from './history.js';
export * from './violation.js';
export * from './problem.js';
export * from './wgl.js';
export * from './reads.js';
export * from './shrink.js';
export * from './timeline.js';
export * from './check.js';
export * from './generate.js';
export * from './builder.js';
