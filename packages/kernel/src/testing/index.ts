export type { TestDatabase } from "./test-databases.js";
export { createTestDatabase, testDialects, testServerUrl } from "./test-databases.js";
