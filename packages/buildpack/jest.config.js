/** Two projects: fast unit tests with fakes, and lifecycle tests with the real CNB lifecycle. */
// ts-jest only transpiles, file by file (isolatedModules in tsconfig.base.json): the types of
// src and test are checked by `check-types` (tsc --noEmit), which npm test runs next to jest.
const base = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
};
module.exports = {
  projects: [
    { ...base, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...base, displayName: "lifecycle", testMatch: ["<rootDir>/test/lifecycle/**/*.test.ts"]},
  ],
};
