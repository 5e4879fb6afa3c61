/** Two projects: fast unit tests with fakes, and lifecycle tests with the real CNB lifecycle. */
const base = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json", diagnostics: false }] },
};
module.exports = {
  projects: [
    { ...base, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...base, displayName: "lifecycle", testMatch: ["<rootDir>/test/lifecycle/**/*.test.ts"]},
  ],
};
