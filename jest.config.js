/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Sample projects under test/fixtures carry their own package.json files.
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/', '<rootDir>/build/', '<rootDir>/dist/'],
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['lcov', 'json', 'text-summary'],
  coverageDirectory: 'coverage',
  testTimeout: 30000,
};
