export * from './coverage.js';
export * from './findings.js';
export * from './tests.js';
export * from './report.js';
