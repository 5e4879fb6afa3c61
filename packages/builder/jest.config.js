/** Two projects: pure unit tests, and engine tests with the real Docker engine, mmdebstrap and pack. */
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
    { ...base, displayName: "engine", testMatch: ["<rootDir>/test/engine/**/*.test.ts"] },
  ],
};
